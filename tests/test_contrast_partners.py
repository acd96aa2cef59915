"""Choosing and dealing the partners of a contrast round (``training.contrast_partners``)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from classifier.schema import STANCES, TONES
from tests.conftest import write_jsonl
from training.contrast_partners import CODES, STANCE_CHANGES, TONE_CHANGES, main


def row(i, event, stances=("condemnation",), tone="measured", **fields):
    return {
        "id": f"s{i}",
        "text": f"Statement number {i} about {event}.",
        "stances": list(stances),
        "tone": tone,
        "event": event,
        "split": "train",
        "origin": "real-derived",
        "source_url": "https://example.org/report",
        **fields,
    }


def test_every_stance_and_tone_has_changes_and_every_code_names_a_stance():
    assert set(CODES) == set(STANCES) == set(STANCE_CHANGES)
    assert set(TONE_CHANGES) == set(TONES)
    for stance, changes in STANCE_CHANGES.items():
        assert all(c.startswith(CODES[stance] + ">") for c in changes)
    for tone, targets in TONE_CHANGES.items():
        assert tone not in targets and set(targets) <= set(TONES)


def run(tmp_path, rows, *args, batches=()):
    tmp_path.mkdir(exist_ok=True)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", rows)
    out = tmp_path / "partners"
    argv = ["--data", str(corpus), "--out-dir", str(out), *args]
    if batches:
        argv += ["--batches", *map(str, batches)]
    main(argv)
    return {
        p.name.split("_")[0]: [json.loads(line) for line in p.read_text().splitlines()]
        for p in out.glob("*_partners.jsonl")
    }


def test_only_unused_real_derived_training_statements_at_most_two_per_event(tmp_path, capsys):
    rows = [row(i, f"e{i % 3}") for i in range(12)]
    rows += [
        row(20, "e9", split="test"),
        row(21, "e9", origin="composed"),
        row(22, "e9", origin="contrast", contrast_of="s0"),  # s0 is used, s22 is a contrast
    ]
    batch = write_jsonl(tmp_path / "x1.jsonl", [row(30, "e0", origin="contrast", contrast_of="s1")])
    lists = run(tmp_path, rows, "--writers", "a", "b", "--per-writer", "10", batches=[batch])
    dealt = [r["partner"] for rows_ in lists.values() for r in rows_]
    assert len(dealt) == 6 and len(set(dealt)) == 6  # three events, two each
    assert not {"s0", "s1", "s20", "s21", "s22"} & set(dealt)
    assert Counter(int(p[1:]) % 3 for p in dealt) == {0: 2, 1: 2, 2: 2}
    assert [len(lists["a"]), len(lists["b"])] == [3, 3]
    assert "6 partners on 3 events" in capsys.readouterr().out


def test_caps_hold_and_the_same_seed_deals_the_same_lists(tmp_path):
    rows = [row(i, f"e{i}", stances=("neutral",)) for i in range(200)]
    rows += [row(300 + i, f"f{i}", stances=("solidarity", "condemnation"), tone="solemn") for i in range(40)]
    first, second = (run(tmp_path / d, rows, "--writers", "a", "--per-writer", "200", "--seed", "5") for d in "12")
    assert first == second
    dealt = first["a"]
    assert Counter(r["stances"][0] for r in dealt) == {"neutral": 120, "solidarity": 40}  # neutral is capped at 120
    for r in dealt:
        code = r["suggested_change"]
        if code.startswith("TONE>"):
            assert code[5:] in TONE_CHANGES[r["tone"]]
        elif code == "STRIP":
            assert len(r["stances"]) > 1  # only a statement with two acts can lose one
        else:
            assert code in STANCE_CHANGES[r["stances"][0]]


def test_a_round_aimed_at_condemnation_draws_its_partners_and_changes_more_often(tmp_path):
    rows = [row(i, f"e{i}", stances=("solidarity", "condemnation")) for i in range(100)]
    rows += [row(200 + i, f"f{i}", stances=("solidarity",)) for i in range(100)]
    args = ["--writers", "a", "--per-writer", "50", "--seed", "3", "--cap", "condemnation=500"]
    plain = run(tmp_path / "plain", rows, *args)["a"]
    aimed = run(tmp_path / "aimed", rows, *args, "--focus", "DROP>COND", "--favour", "condemnation")["a"]

    def carrying(dealt):
        return sum("condemnation" in r["stances"] for r in dealt)

    assert carrying(aimed) > carrying(plain) + 5  # drawn twice as often: about 33 of 50 against 25
    assert not any(r["suggested_change"] == "DROP>COND" for r in plain)  # only a round that asks for it
    drops = [r for r in aimed if r["suggested_change"] == "DROP>COND"]
    assert drops and all("condemnation" in r["stances"][1:] for r in drops)


WORKED = [
    row(1, "e1", stances=("condemnation", "diplomatic_appeal")),
    row(2, "e1", stances=("neutral",)),
    row(3, "e2", stances=("retaliation_vow",), tone="defiant"),
    row(4, "e2", stances=("de_escalation",), tone="conciliatory"),
    row(5, "e3", stances=("solidarity", "condemnation"), tone="solemn"),
    row(6, "e3", stances=("deterrence_warning",), tone="hostile"),
    row(7, "e4", stances=("sovereignty_claim",), tone="defiant"),
    row(8, "e4", stances=("condemnation",)),
]


def dealt(lists):
    return {w: [(r["partner"], r["suggested_change"]) for r in rows] for w, rows in lists.items()}


def test_a_worked_round_deals_exactly_these_lists(tmp_path):
    # pinned, so a change to the drawing (the order of a change list, the weighting) shows up here and not,
    # unnoticed, in the next assignment that claims its command reproduces its lists
    plain = run(tmp_path / "plain", WORKED, "--writers", "a", "b", "--per-writer", "3", "--seed", "1")
    assert dealt(plain) == {
        "a": [("s4", "DEESC>NEUTRAL"), ("s2", "NEUTRAL>SOLID"), ("s8", "COND>APPEAL")],
        "b": [("s7", "TONE>measured"), ("s6", "WARN>DENIAL"), ("s1", "STRIP")],
    }
    aimed = run(
        tmp_path / "aimed",
        WORKED,
        *("--writers", "a", "b", "--per-writer", "3", "--seed", "1"),
        *("--focus", "DROP>COND", "TONE>measured", "--favour", "condemnation"),
    )
    assert dealt(aimed) == {
        "a": [("s8", "COND>NEUTRAL"), ("s3", "VOW>DEESC"), ("s7", "SOV>WARN")],
        "b": [("s2", "TONE>solemn"), ("s5", "SOLID>VOW"), ("s6", "WARN>NEUTRAL")],
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["--favour", "condemation"], "favour: unknown stance 'condemation'"),
        (["--focus", "COND>NEUTRL"], "unknown change 'COND>NEUTRL' in focus"),
        (["--cap", "condemnation"], "--cap takes STANCE=N"),
        (["--cap", "condemation=3"], "cap condemation=3: not a label"),
    ],
)
def test_settings_a_writer_can_mistype_are_refused_by_name(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit):
        run(tmp_path, WORKED, "--writers", "a", *args)
    assert message in capsys.readouterr().err


def test_a_writer_named_twice_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        run(tmp_path, WORKED, "--writers", "a", "a")
    assert "give each writer once" in capsys.readouterr().err


def test_max_event_keeps_partners_off_events_that_are_already_big(tmp_path):
    rows = [row(i, "big") for i in range(5)] + [row(10 + i, f"small{i}") for i in range(5)]
    lists = run(tmp_path, rows, "--writers", "a", "--per-writer", "10", "--max-event", "5")
    assert {r["partner"] for r in lists["a"]} == {f"s{10 + i}" for i in range(5)}  # "big" has 5 already
    assert len(run(tmp_path / "open", rows, "--writers", "a", "--per-writer", "10")["a"]) == 7  # 2 + 5


def test_round_json_records_what_redraws_the_lists(tmp_path):
    from classifier.corpus import file_sha256

    rows = [row(i, f"e{i}") for i in range(30)]
    batch = write_jsonl(tmp_path / "x1.jsonl", [row(40, "e0", origin="contrast", contrast_of="s1")])
    lists = run(tmp_path / "r", rows, "--writers", "a", "b", "--per-writer", "5", "--seed", "7", batches=[batch])
    record = json.loads((tmp_path / "r" / "partners" / "round.json").read_text())
    assert record["data"]["sha256"] == file_sha256(tmp_path / "r" / "corpus.jsonl")
    assert record["batches"] == [{"path": str(batch), "sha256": file_sha256(batch)}]
    assert record["settings"]["seed"] == 7 and record["settings"]["writers"] == ["a", "b"]
    assert {w: v["ids"] for w, v in record["lists"].items()} == {
        w: [r["partner"] for r in rs] for w, rs in lists.items()
    }
    assert "--seed 7" in record["command"]
    in_git = (Path(__file__).parents[1] / ".git").exists()
    assert (len(record["commit"] or "") == 40) == in_git
