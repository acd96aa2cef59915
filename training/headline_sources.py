"""Deal real-derived training statements to writers who each write one headline of it.

Headlines are the form the models read worst (stance macro-F1 0.635 under 15 words on the v2.11.1
test split, mostly acts read as bare reports). A headline written from a longer statement keeps its
event, speaker and date, so it stays in its parent's split, and pairs a long and a short reading of
one act. Parents are drawn per primary stance up to a quota, at most ``per_event`` per event family,
so no event and no label dominates.

    python -m training.headline_sources --data data/statements.jsonl --writers h1 h2 h3 h4 h5 h6 \
        --seed 41 --out-dir headline_sources/
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

from classifier.corpus import read_statements
from classifier.schema import STANCES
from training.splits import family

# Acts headlines lose most often come first and get the larger shares.
DEFAULT_QUOTAS = {
    "retaliation_vow": 150,
    "solidarity": 130,
    "de_escalation": 130,
    "condemnation": 130,
    "sovereignty_claim": 120,
    "deterrence_warning": 110,
    "diplomatic_appeal": 100,
    "neutral": 90,
}
# What a headline takes from its parent unchanged.
COPIED = ("speaker", "speaker_name", "date", "event", "actor", "source_url")
SHORTEST_PARENT = 25  # words: a parent must have something to compress


def eligible(statements, already_headlined: set[str]):
    for s in statements:
        if s.split != "train" or s.origin != "real-derived" or s.id in already_headlined:
            continue
        if len(s.text.split()) < SHORTEST_PARENT:
            continue
        yield s


def choose(statements, quotas: dict[str, int], *, per_event: int, seed: int) -> list:
    rng = random.Random(seed)
    pool = sorted(statements, key=lambda s: s.id)
    rng.shuffle(pool)
    taken: list = []
    per_family: Counter = Counter()
    per_label: Counter = Counter()
    for s in pool:
        label = s.primary_stance
        fam = family(s.event)
        if per_label[label] >= quotas.get(label, 0) or per_family[fam] >= per_event:
            continue
        taken.append(s)
        per_label[label] += 1
        per_family[fam] += 1
    return taken


def deal(chosen: list, writers: list[str]) -> dict[str, list]:
    """Round-robin by primary stance, so every writer gets every label."""
    by_label = defaultdict(list)
    for s in chosen:
        by_label[s.primary_stance].append(s)
    order = [s for label in STANCES for s in by_label[label]]
    hands = {w: [] for w in writers}
    for i, s in enumerate(order):
        hands[writers[i % len(writers)]].append(s)
    return hands


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/statements.jsonl")
    parser.add_argument(
        "--batches", nargs="*", default=[], help="existing headline batches (their parents are skipped)"
    )
    parser.add_argument("--writers", nargs="+", required=True)
    parser.add_argument("--seed", type=int, default=41)
    parser.add_argument("--per-event", type=int, default=2)
    parser.add_argument(
        "--quota", nargs="*", default=[], help="primary-stance quotas as STANCE=N (replacing the defaults)"
    )
    parser.add_argument("--out-dir", required=True)
    args = parser.parse_args(argv)
    quotas = dict(DEFAULT_QUOTAS)
    if args.quota:
        quotas = {}
        for item in args.quota:
            label, _, n = item.partition("=")
            if label not in STANCES or not n.isdigit():
                parser.error(f"--quota takes STANCE=N with a stance of {', '.join(STANCES)}, got {item!r}")
            quotas[label] = int(n)
    if len(set(args.writers)) != len(args.writers):
        parser.error("--writers: give each writer once")

    done: set[str] = set()
    for path in args.batches:
        done |= {s.extra["headline_of"] for s in read_statements(path) if s.extra.get("headline_of")}
    statements = list(eligible(read_statements(args.data), done))
    chosen = choose(statements, quotas, per_event=args.per_event, seed=args.seed)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for writer, hand in deal(chosen, args.writers).items():
        with open(out / f"{writer}.jsonl", "w", encoding="utf-8") as f:
            for s in hand:
                row = {"parent": s.id, "stances": list(s.stances), "tone": s.tone, "text": s.text}
                row["copy"] = {k: v for k, v in s.to_dict().items() if k in COPIED and v is not None}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = Counter(s.primary_stance for s in chosen)
    print(f"{len(chosen)} parents on {len({family(s.event) for s in chosen})} event families: {dict(counts)}")


if __name__ == "__main__":
    main()
