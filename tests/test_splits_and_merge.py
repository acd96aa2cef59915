"""Corpus splits and the batch merge: groups never straddle splits, events stay small, test stays realistic."""

import json
from collections import Counter

from classifier.corpus import Statement
from tests.conftest import write_jsonl
from training.merge_batches import MAX_EVENT, canonical_events, merge
from training.splits import MIN_REAL_SHARE, assign_splits, family, split_groups

STANCE_CYCLE = [
    "condemnation",
    "solidarity",
    "neutral",
    "de_escalation",
    "retaliation_vow",
    "diplomatic_appeal",
    "deterrence_warning",
    "sovereignty_claim",
]
TONE_CYCLE = ["measured", "defiant", "solemn", "hostile", "conciliatory"]


def st(i, event=None, date=None, origin="composed", **extra):
    if origin != "composed":
        extra["origin"] = origin
    return Statement(
        text=f"statement {i}",
        stances=(STANCE_CYCLE[i % 8],),
        tone=TONE_CYCLE[i % 5],
        id=f"s{i}",
        event=event,
        date=date,
        extra=extra,
    )


def test_family_drops_date_suffixes():
    assert family("gaza-war-2023-10") == family("gaza-war-2024-03-w2") == "gaza-war"
    assert family("uae-islands-dispute") == "uae-islands-dispute"
    # the parts training.merge_batches cuts an oversized event into, and a writer's year range
    assert family("us-strikes-fordow-2025-06-21") == family("us-strikes-fordow-2025-06-22-2") == "us-strikes-fordow"
    assert family("yemen-war-2017-2018") == family("yemen-war-2015") == "yemen-war"
    assert family("ps752-airliner") == "ps752-airliner"


def test_groups_join_event_families_contrast_partners_and_near_duplicates():
    rows = [
        st(0, "gaza-war-2023-10"),
        st(1, "gaza-war-2024-03"),
        st(2, "hajj-2024"),
        st(3, "kerman-bombing-2024-01", contrast_of="s2"),
        st(4),
        st(5),
    ]
    groups = split_groups(rows, near_pairs=[(4, 5)])
    assert groups[0] == groups[1] and groups[2] == groups[3] and groups[4] == groups[5]
    assert len(set(groups)) == 3


def test_assignment_keeps_groups_whole_and_validation_and_test_realistic():
    rows = []
    for e in range(120):
        origin = "real-derived" if e % 2 else "composed"
        rows += [st(len(rows) + k, f"event{e}-2024-01", origin=origin) for k in range(1 + e % 9)]
    splits = assign_splits(rows, seed=1, tries=400)
    by_event: dict = {}
    for s, split in zip(rows, splits, strict=True):
        by_event.setdefault(s.event, set()).add(split)
    assert all(len(v) == 1 for v in by_event.values())
    share = Counter(splits)
    assert 0.6 < share["train"] / len(rows) < 0.8
    for name in ("validation", "test"):
        members = [s for s, split in zip(rows, splits, strict=True) if split == name]
        assert sum(s.origin == "real-derived" for s in members) / len(members) >= MIN_REAL_SHARE - 0.02


def test_a_growing_corpus_keeps_its_splits_and_places_only_new_groups():
    rows = []
    for e in range(80):
        origin = "real-derived" if e % 2 else "composed"
        rows += [st(len(rows) + k, f"event{e}-2024-01", origin=origin) for k in range(1 + e % 5)]
    before = assign_splits(rows, seed=1, tries=200)
    keep = {s.id: split for s, split in zip(rows, before, strict=True)}
    grown = list(rows)
    grown += [st(len(grown) + k, "event3-2024-01") for k in range(3)]  # joins an old event
    for e in range(80, 100):  # new events
        grown += [st(len(grown) + k, f"event{e}-2024-02", origin="real-derived") for k in range(2)]
    after = assign_splits(grown, seed=7, tries=200, keep=keep)
    assert after[: len(rows)] == before
    old_event3 = {split for s, split in zip(rows, before, strict=True) if s.event == "event3-2024-01"}
    assert {split for s, split in zip(grown, after, strict=True) if s.event == "event3-2024-01"} == old_event3
    assert len(set(after[len(rows) + 3 :])) > 1  # new events are spread, not dumped in one split


def test_oversized_events_are_cut_by_month_then_into_runs_of_days_and_aliases_apply():
    rows = [st(i, "gaza-war-2023-10", date=f"2023-10-{1 + i % 28:02d}") for i in range(70)]
    rows += [st(100 + i, "gaza-war-2023-10", date="2024-03-05") for i in range(5)]
    rows += [st(200, "gaza-conflict-2023", date="2023-11-01")]
    out = canonical_events(rows, {"gaza-conflict-2023": "gaza-war-2023-10"})
    sizes = Counter(s.event for s in out)
    assert max(sizes.values()) <= MAX_EVENT
    assert sizes["gaza-war-2024-03"] == 5 and sizes["gaza-war-2023-11"] == 1
    october = sorted(e for e in sizes if e.startswith("gaza-war-2023-10-"))
    assert october[0] == "gaza-war-2023-10-01" and len(october) == 2  # two even runs, not 28 days
    assert all(30 <= sizes[e] <= MAX_EVENT for e in october)
    days = {e: {s.date for s in out if s.event == e} for e in october}
    assert not days[october[0]] & days[october[1]]  # a day is never split


def test_an_alias_can_name_a_month_the_cut_made():
    rows = [st(i, "budget-and-economy", date=f"20{18 + i % 4}-12-0{1 + i % 5}") for i in range(60)]
    rows += [st(100 + i, "budget-bill-2018-12", date="2018-12-25") for i in range(4)]
    out = canonical_events(rows, {"budget-and-economy-2018-12": "budget-bill-2018-12"})
    sizes = Counter(s.event for s in out)
    assert sizes["budget-bill-2018-12"] == 15 + 4 and "budget-and-economy-2018-12" not in sizes
    assert sizes["budget-and-economy-2019-12"] == 15


def test_merge_writes_every_statement_once_with_a_split_and_refuses_shared_ids(tmp_path):
    a = write_jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "id": f"a{i}",
                "text": f"text number {i} about things",
                "stances": [STANCE_CYCLE[i % 8]],
                "tone": TONE_CYCLE[i % 5],
                "event": f"e{i % 10}-2024",
            }
            for i in range(60)
        ],
    )
    out = tmp_path / "merged.jsonl"
    counts = merge([a], out, seed=0)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sum(counts.values()) == 60 == len({r["id"] for r in rows})
    assert {r["split"] for r in rows} <= {"train", "validation", "test"}
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": "a1", "text": "x", "stances": ["neutral"], "tone": "measured"}])
    import pytest

    from classifier.errors import DataError

    with pytest.raises(DataError, match="'a1' is also used in"):
        merge([a, b], out)


def test_opening_invocations_are_kept_in_a_few_statements_only():
    from training.merge_batches import KEEP_INVOCATIONS, trim_invocations

    rows = [
        Statement(
            text=f"In the name of God, the Compassionate, the Merciful. we mourn the martyrs of town {i} today.",
            stances=("solidarity",),
            tone="solemn",
            id=f"s{i}",
            extra={"origin": "real-derived"} if i < 3 else {},
        )
        for i in range(20)
    ]
    out = trim_invocations(rows)
    kept = [s for s in out if s.text.startswith("In the name of God")]
    assert len(kept) == KEEP_INVOCATIONS and {"s0", "s1", "s2"} <= {s.id for s in kept}
    trimmed = next(s for s in out if not s.text.startswith("In the name"))
    assert trimmed.text.startswith("We mourn the martyrs of town")


def test_corrections_replace_the_writers_labels_and_bad_ones_are_refused(tmp_path):
    import pytest

    from classifier.errors import DataError
    from training.merge_batches import apply_corrections, read_corrections

    path = write_jsonl(tmp_path / "adj.jsonl", [{"id": "s1", "stances": ["neutral"], "tone": "measured"}])
    rows, changed = apply_corrections([st(0), st(1)], read_corrections([path]))
    assert changed == 1 and rows[1].stances == ("neutral",) and rows[0] == st(0)
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "s1", "stances": ["neutral", "solidarity"], "tone": "x"}])
    with pytest.raises(DataError, match=r"bad\.jsonl:1: labels"):
        read_corrections([bad])
