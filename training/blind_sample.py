"""The blind sample a second annotator labels: a seeded draw from each batch, shuffled, text only.

The second annotator sees the codebook and the statements, never the writers'
labels, speakers or notes, so the file holds ``id`` and ``text`` alone. The
draw is the one every part since part 12 used (``data/ANNOTATION.md``):
``random.Random(seed)`` takes ``--per-batch`` rows from each batch in the
order the batches are given, then shuffles the lot, so batches do not sit
in runs the annotator could learn.

    python -m training.blind_sample data/batches/x6[7-9].jsonl data/batches/x7[0-2].jsonl \
        --per-batch 20 --seed 36 --out data/annotation/blind_v2_12.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from pathlib import Path

from classifier.corpus import jsonl_lines
from classifier.errors import DataError


def _rows(path: Path) -> list[dict]:
    rows = []
    for number, line in jsonl_lines(path):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}, line {number}: not JSON ({exc.msg})") from exc
        for field in ("id", "text"):
            if not isinstance(row.get(field), str) or not row[field].strip():
                raise DataError(f"{path}, line {number}: field '{field}' is missing or empty")
        rows.append(row)
    return rows


def blind_sample(batches: Sequence[Path], per_batch: int, seed: int) -> list[dict]:
    """``per_batch`` rows of each batch, shuffled, as ``{"id", "text"}``."""
    rng = random.Random(seed)
    drawn = []
    for path in batches:
        rows = _rows(Path(path))
        if len(rows) < per_batch:
            raise DataError(f"{path}: {len(rows)} statements, fewer than --per-batch {per_batch}")
        drawn.extend(rng.sample(rows, per_batch))
    rng.shuffle(drawn)
    return [{"id": r["id"], "text": r["text"]} for r in drawn]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("batches", nargs="+", type=Path, help="batch files, in the order they are drawn from")
    parser.add_argument("--per-batch", type=int, default=20)
    parser.add_argument("--seed", type=int, required=True, help="a seed no earlier part used (see ANNOTATION.md)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.per_batch < 1:
        parser.error(f"--per-batch must be at least 1, not {args.per_batch}")
    if args.out.exists():
        parser.error(f"{args.out} exists already: a blind sample is never redrawn over one that was handed out")
    try:
        sample = blind_sample(args.batches, args.per_batch, args.seed)
    except DataError as exc:
        parser.exit(2, f"error: {exc}\n")
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample), encoding="utf-8")
    print(f"{len(sample)} statements from {len(args.batches)} batches written to {args.out}")


if __name__ == "__main__":
    main()
