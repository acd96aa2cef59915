"""The bundled corpus meets the coverage targets and passes its own leakage check."""

import pytest

from classifier import paths
from classifier.schema import SPLITS, STANCES, TONES
from training.corpus_check import check_corpus
from training.corpus_stats import corpus_stats


@pytest.fixture(scope="module")
def stats():
    return corpus_stats(paths.DEFAULT_DATA)


def test_size_speakers_labels_and_multi_stance(stats):
    assert stats["n"] >= 1500
    for speaker in ("supreme_leader", "president", "foreign_ministry", "irgc"):
        assert stats["speaker"][speaker] >= 300, speaker
    assert stats["speaker"]["other"] >= 150
    for label in STANCES:
        assert stats["stance_any"][label] >= 150, label
        assert stats["stance_primary"][label] >= 70, label
    for tone in TONES:
        assert stats["tone"][tone] >= 150, tone
    assert stats["multi_stance_rate"] >= 0.30


def test_forms_lengths_years_and_hard_cases(stats):
    long = stats["length_band"]["80-149"] + stats["length_band"]["150+"]
    assert long / stats["n"] >= 0.10
    assert set(stats["year"]) >= {str(y) for y in range(2019, 2026)}
    assert all(count >= 30 for count in stats["hard_cases"].values()) and len(stats["hard_cases"]) == 7


def test_splits_are_grouped_by_event_and_hold_every_label():
    from classifier.corpus import read_statements

    statements = read_statements(paths.DEFAULT_DATA)
    events = {}
    for s in statements:
        events.setdefault(s.event, set()).add(s.split)
    assert all(len(splits) == 1 for splits in events.values())
    for split in SPLITS:
        members = [s for s in statements if s.split == split]
        assert 0.12 <= len(members) / len(statements) <= 0.73
        assert {label for s in members for label in s.stances} == set(STANCES)
        assert {s.tone for s in members} == set(TONES)


def test_data_check_passes_on_the_bundled_corpus():
    report = check_corpus(paths.DEFAULT_DATA)
    assert report.ok, report.render()
    assert report.exact == []
