import pytest

from classifier.corpus import load_corpus, read_statements
from classifier.errors import DataError
from tests.conftest import write_jsonl

GOOD = '{"id": "a", "text": "We condemn the attack.", "stances": ["condemnation"], "tone": "measured"}'


def problems_of(tmp_path, lines):
    path = write_jsonl(tmp_path / "bad.jsonl", lines)
    with pytest.raises(DataError) as info:
        read_statements(path)
    return path, info.value.problems


def test_every_problem_is_reported_with_file_line_and_field(tmp_path):
    path, problems = problems_of(
        tmp_path,
        [
            GOOD,
            "{not json",
            '{"id": "b", "stances": ["condemnation"], "tone": "measured"}',
            '{"id": "c", "text": "x", "stances": ["threat"], "tone": "measured"}',
            '{"id": "d", "text": "x", "stances": ["neutral", "condemnation"], "tone": "measured"}',
            '{"id": "e", "text": "   ", "stances": ["neutral"], "tone": "measured"}',
            '{"id": "a", "text": "again", "stances": ["neutral"], "tone": "measured"}',
            '{"id": "f", "text": "x", "stances": ["neutral"], "tone": "calm"}',
            '["a list"]',
        ],
    )
    assert problems == [
        f"{path}:2: json: invalid JSON (Expecting property name enclosed in double quotes; column 2)",
        f"{path}:3: text: missing required field",
        f"{path}:4: stances: unknown stance 'threat'; valid stances: retaliation_vow, deterrence_warning, "
        "sovereignty_claim, condemnation, diplomatic_appeal, de_escalation, solidarity, neutral",
        f"{path}:5: stances: 'neutral' must stand alone; it cannot be mixed with another stance",
        f"{path}:6: text: empty text",
        f"{path}:7: id: duplicate id 'a' (first seen on line 1)",
        f"{path}:8: tone: unknown tone 'calm'; valid tones: hostile, defiant, solemn, measured, conciliatory",
        f"{path}:9: record: expected a JSON object, got list",
    ]


def test_metadata_fields_are_checked_when_present(tmp_path):
    path, problems = problems_of(
        tmp_path,
        [
            '{"text": "x", "stances": ["neutral"], "tone": "measured", "speaker": "king", "date": "2024-13",'
            ' "split": "dev"}',
        ],
    )
    assert problems == [
        f"{path}:1: speaker: unknown speaker 'king'; valid speakers: supreme_leader, president, "
        "foreign_ministry, irgc, other",
        f"{path}:1: split: unknown split 'dev'; valid splits: train, validation, test",
        f"{path}:1: date: '2024-13' is not YYYY-MM-DD or YYYY-MM",
    ]


def test_only_text_stances_tone_are_required_and_extras_survive(tmp_path):
    path = write_jsonl(
        tmp_path / "ok.jsonl",
        ['{"text": "Talks went well.", "stances": ["de_escalation"], "tone": "conciliatory", "source": "x"}', ""],
    )
    (s,) = read_statements(path)
    assert (s.id, s.stances, s.tone, s.extra) == ("line-1", ("de_escalation",), "conciliatory", {"source": "x"})


def test_line_separator_characters_inside_json_strings_are_not_line_breaks(tmp_path):
    path = write_jsonl(
        tmp_path / "u2028.jsonl",
        ['{"text": "First part.\u2028Second part.", "stances": ["neutral"], "tone": "measured"}'],
    )
    path.write_text(path.read_text().replace("\\u2028", "\u2028"), encoding="utf-8")
    (s,) = read_statements(path)
    assert s.text == "First part.\u2028Second part."


def test_invalid_utf8_and_missing_file_are_data_errors(tmp_path):
    bad = tmp_path / "bin.jsonl"
    bad.write_bytes(b'{"text": "\xff"}\n')
    with pytest.raises(DataError, match="not valid UTF-8"):
        read_statements(bad)
    with pytest.raises(DataError, match="file not found"):
        read_statements(tmp_path / "nope.jsonl")


def test_load_corpus_gives_a_datasets_dict_per_split(mini_corpus):
    corpus = load_corpus(mini_corpus)
    assert set(corpus) == {"train", "validation"}
    assert corpus["validation"].num_rows == 8
    assert corpus["train"][0]["stances"] == ["retaliation_vow"]


def test_each_origin_requires_its_fields_and_actors_are_checked(tmp_path):
    base = {"text": "x", "stances": ["neutral"], "tone": "measured"}
    path, problems = problems_of(
        tmp_path,
        [
            {**base, "origin": "real-derived"},
            {**base, "origin": "real-derived", "source_url": "irna.ir/en/news/1"},
            {**base, "origin": "contrast"},
            {**base, "origin": "invented"},
            {**base, "actor": "non_iranian", "speaker": "irgc"},
            {**base, "actor": "martian"},
            {**base, "origin": "real-derived", "source_url": "https://www.irna.ir/news/1", "actor": "non_iranian"},
        ],
    )
    assert problems == [
        f"{path}:1: source_url: required for origin 'real-derived'",
        f"{path}:2: source_url: 'irna.ir/en/news/1' is not an http(s) address",
        f"{path}:3: contrast_of: required for origin 'contrast'",
        f"{path}:4: origin: unknown origin 'invented'; valid origins: composed, real-derived, contrast",
        f"{path}:5: speaker: a non_iranian actor must have speaker 'other', got 'irgc'",
        f"{path}:6: actor: unknown actor 'martian'; valid actors: iranian, non_iranian",
    ]


def test_origin_and_actor_default_to_composed_and_iranian(tmp_path):
    path = write_jsonl(tmp_path / "ok.jsonl", [GOOD])
    (s,) = read_statements(path)
    assert (s.origin, s.actor) == ("composed", "iranian")
