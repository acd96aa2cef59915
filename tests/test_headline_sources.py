"""Choosing and dealing the parents of a headline round (``training.headline_sources``)."""

import json
from collections import Counter

import pytest

from tests.conftest import write_jsonl
from training.headline_sources import SHORTEST_PARENT, main

LONG = " ".join(["word"] * SHORTEST_PARENT)


def row(i, event, stances=("condemnation",), **fields):
    return {
        "id": f"s{i}",
        "text": f"Statement {i} on {event}: {LONG}",
        "stances": list(stances),
        "tone": "measured",
        "event": event,
        "date": "2020-01-03",
        "speaker": "foreign_ministry",
        "split": "train",
        "origin": "real-derived",
        "source_url": "https://example.org/report",
        **fields,
    }


def run(tmp_path, rows, *args, batches=()):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", rows)
    out = tmp_path / "sources"
    argv = ["--data", str(corpus), "--out-dir", str(out), *args]
    if batches:
        argv += ["--batches", *map(str, batches)]
    main(argv)
    return {p.stem: [json.loads(line) for line in p.read_text().splitlines()] for p in sorted(out.glob("*.jsonl"))}


def test_only_long_real_derived_training_statements_two_per_event_family(tmp_path):
    rows = [row(i, f"e{i % 3}-2020-0{1 + i % 2}") for i in range(12)]  # months of three events
    rows += [
        row(20, "e9", split="test"),
        row(21, "e9", origin="composed"),
        {**row(22, "e9"), "text": "Too short to compress."},
        row(23, "e9"),
    ]
    batch = write_jsonl(tmp_path / "h0.jsonl", [{**row(30, "e9"), "headline_of": "s23"}])
    lists = run(tmp_path, rows, "--writers", "a", "b", "--quota", "condemnation=50", batches=[batch])
    dealt = [r["parent"] for hand in lists.values() for r in hand]
    assert len(dealt) == len(set(dealt)) == 6  # three families, two each; e9 has nothing eligible left
    assert Counter(int(p[1:]) % 3 for p in dealt) == {0: 2, 1: 2, 2: 2}
    first = lists["a"][0]
    assert set(first["copy"]) == {"speaker", "date", "event", "source_url"}
    assert first["copy"]["event"] == next(r["event"] for r in rows if r["id"] == first["parent"])


def test_quotas_hold_every_writer_gets_every_label_and_the_seed_redraws_the_same(tmp_path):
    labels = ("retaliation_vow", "solidarity", "neutral")
    rows = [row(i, f"e{i}", stances=(labels[i % 3],)) for i in range(90)]
    quota = ["--quota", "retaliation_vow=6", "solidarity=4", "neutral=2"]
    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    lists = run(tmp_path / "1", rows, "--writers", "a", "b", *quota)
    again = run(tmp_path / "2", rows, "--writers", "a", "b", *quota)
    assert lists == again
    primaries = Counter(r["stances"][0] for hand in lists.values() for r in hand)
    assert primaries == {"retaliation_vow": 6, "solidarity": 4, "neutral": 2}
    for hand in lists.values():
        assert {r["stances"][0] for r in hand} == set(labels)


@pytest.mark.parametrize(
    "args, message",
    [(["--quota", "anger=3"], "--quota takes STANCE=N"), (["--writers", "a", "a"], "give each writer once")],
)
def test_settings_a_writer_can_mistype_are_refused_by_name(tmp_path, capsys, args, message):
    argv = ["--writers", "a", *args] if args[0] != "--writers" else args
    with pytest.raises(SystemExit):
        run(tmp_path, [row(0, "e0")], *argv)
    assert message in capsys.readouterr().err
