"""Build the bundled corpus from its batch files: validate, name events consistently, split.

    python -m training.merge_batches data/batches/*.jsonl --out data/statements.jsonl

Writers work in separate batch files (``data/batches/``), each checked on its
own; this is the one step that joins them. Event slugs that writers spelled
differently for one event are mapped with ``data/batches/event_aliases.json``.
An opening invocation is kept in a few statements only (``KEEP_INVOCATIONS``).
An event that grew past ``MAX_EVENT`` statements is cut by month, then into
runs of consecutive days (``gaza-war-2024-03``, ``israeli-strikes-2025-06-17``): an event that size
lets its vocabulary stand in for its labels, and the split families still
keep its parts together. Labels settled by adjudication (``--corrections``) replace the writers' labels
for those statements, so the batch files stay as written and every change is
on record. Then every statement gets its split
(``training.splits``).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from classifier.corpus import Statement, read_statements
from classifier.errors import DataError
from training.corpus_check import near_duplicates
from training.splits import assign_splits, family

MAX_EVENT = 40
#: statements that may keep an opening invocation ("In the name of God, the Compassionate, the Merciful.");
#: beyond these it is dropped: it carries no stance, and hundreds of identical openings teach a model a habit
KEEP_INVOCATIONS = 12
_INVOCATION = re.compile(
    r"^[\"\u201c]?In the [Nn]ame of (?:God|Allah)"
    r"(?:,? the (?:Most )?(?:Compassionate|Merciful|Beneficent|Gracious)"
    r"(?:,? (?:and )?the (?:Most )?(?:Compassionate|Merciful|Beneficent|Gracious))?)?[.,:;]?\s+"
)
NEAR_DUPLICATE_GROUPING = 0.8  # pairs this similar share a split (the check fails at 0.9 across splits)


def load_batches(paths: list[Path]) -> list[Statement]:
    """Every batch, validated; an id used in two batches is an error naming both files."""
    statements: list[Statement] = []
    seen: dict[str, Path] = {}
    problems: list[str] = []
    for path in paths:
        for s in read_statements(path):
            if s.id in seen:
                problems.append(f"{path}:{s.line}: id: {s.id!r} is also used in {seen[s.id]}")
            seen[s.id] = path
            statements.append(replace(s, split=None))
    if problems:
        raise DataError(problems)
    return statements


def _cut(statements: list[Statement], indices: list[int], slug_of) -> dict[str, list[int]]:
    parts: dict[str, list[int]] = {}
    for i in indices:
        parts.setdefault(slug_of(statements[i]), []).append(i)
    return parts


def _month_slug(s: Statement) -> str:
    return f"{family(s.event)}-{s.date[:7]}" if s.date and len(s.date) >= 7 else s.event


def _chunks_by_date(statements: list[Statement], indices: list[int]) -> dict[str, list[int]]:
    """An oversized month as the fewest runs of consecutive dates of at most ``MAX_EVENT`` statements.

    Runs are as even as possible and cut between days (within one only when a single day holds more than
    ``MAX_EVENT``), and each is named by its first day, so a
    part stays a stretch of one event (several days of a war) rather than a single day's statements.
    """
    order = sorted(indices, key=lambda i: statements[i].date or "")
    n_parts = -(-len(order) // MAX_EVENT)
    size = -(-len(order) // n_parts)
    parts: dict[str, list[int]] = {}
    current: list[int] = []
    for pos, i in enumerate(order):
        day_changes = pos == 0 or statements[i].date != statements[order[pos - 1]].date
        if current and len(current) >= size and (day_changes or len(current) >= MAX_EVENT):
            parts[_unique(_run_slug(statements, current), parts)] = current
            current = []
        current.append(i)
    parts[_unique(_run_slug(statements, current), parts)] = current
    return parts


def _unique(slug: str, taken) -> str:
    """``slug``, or ``slug-2``, ``slug-3`` ... when a run of the same first day already has it."""
    n, candidate = 1, slug
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _run_slug(statements: list[Statement], run: list[int]) -> str:
    first = statements[run[0]]
    return f"{family(first.event)}-{first.date}" if first.date else first.event


def _cut_until_small(statements: list[Statement], indices: list[int]) -> dict[str, list[int]]:
    """By month first; a month still too large as runs of consecutive days."""
    parts: dict[str, list[int]] = {}
    for slug, part in _cut(statements, indices, _month_slug).items():
        parts.update(_chunks_by_date(statements, part) if len(part) > MAX_EVENT else {slug: part})
    return parts


def canonical_events(statements: list[Statement], aliases: dict[str, str]) -> list[Statement]:
    """Aliases applied, then events over ``MAX_EVENT`` cut by month, then into runs of consecutive days.

    An alias may also name a part the cut made (``budget-and-economy-2018-12``): one month of a
    catch-all event can so join the event it belongs to, and then it shares that event's split.
    """
    statements = [replace(s, event=aliases.get(s.event, s.event)) if s.event else s for s in statements]
    by_event: dict[str, list[int]] = {}
    for i, s in enumerate(statements):
        if s.event:
            by_event.setdefault(s.event, []).append(i)
    for indices in by_event.values():
        if len(indices) <= MAX_EVENT:
            continue
        for slug, rows in _cut_until_small(statements, indices).items():
            for i in rows:
                statements[i] = replace(statements[i], event=slug)
    return [replace(s, event=aliases[s.event]) if s.event in aliases else s for s in statements]


def trim_invocations(statements: list[Statement]) -> list[Statement]:
    """Keep the opening invocation in ``KEEP_INVOCATIONS`` statements (real-derived first), drop it elsewhere."""
    opened = [
        i
        for i, s in enumerate(statements)
        if _INVOCATION.match(s.text) and len(_INVOCATION.sub("", s.text, count=1).split()) >= 5
    ]
    opened.sort(key=lambda i: statements[i].origin != "real-derived")
    out = list(statements)
    for i in opened[KEEP_INVOCATIONS:]:
        rest = _INVOCATION.sub("", out[i].text, count=1)
        out[i] = replace(out[i], text=rest[0].upper() + rest[1:])
    return out


def read_corrections(paths: list[Path]) -> dict[str, tuple[tuple[str, ...], str]]:
    """Adjudicated labels by id (``{"id", "stances", "tone"}`` per line); a later file wins."""
    from classifier.schema import stance_problems, tone_problems

    out: dict[str, tuple[tuple[str, ...], str]] = {}
    problems: list[str] = []
    for path in paths:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            rec = json.loads(line)
            found = stance_problems(rec.get("stances") or []) + tone_problems(rec.get("tone"))
            if found:
                problems += [f"{path}:{lineno}: labels: {p}" for p in found]
                continue
            out[str(rec["id"])] = (tuple(rec["stances"]), rec["tone"])
    if problems:
        raise DataError(problems)
    return out


def apply_corrections(statements: list[Statement], corrections: dict) -> tuple[list[Statement], int]:
    """Statements with adjudicated labels in place of the writers'; how many changed."""
    out, changed = [], 0
    for s in statements:
        if s.id in corrections and corrections[s.id] != (s.stances, s.tone):
            stances, tone = corrections[s.id]
            s = replace(s, stances=stances, tone=tone)
            changed += 1
        out.append(s)
    return out, changed


def merge(
    paths: list[Path],
    out: Path,
    *,
    aliases: dict[str, str] | None = None,
    corrections: dict | None = None,
    seed: int = 0,
    keep_splits: dict[str, str] | None = None,
) -> Counter:
    statements, _ = apply_corrections(load_batches(paths), corrections or {})
    statements = trim_invocations(canonical_events(statements, aliases or {}))
    index = {s.id: i for i, s in enumerate(statements)}
    near = [(index[a.id], index[b.id]) for a, b, _ in near_duplicates(statements, NEAR_DUPLICATE_GROUPING)]
    splits = assign_splits(statements, near_pairs=near, seed=seed, keep=keep_splits)
    counts: Counter = Counter()
    with open(out, "w", encoding="utf-8") as fh:
        for s, split in zip(statements, splits, strict=True):
            row = s.to_dict()
            row["split"] = split
            counts[split] += 1
            if keep_splits is not None:
                previous = keep_splits.get(s.id)
                counts["new" if previous is None else "kept" if previous == split else "moved"] += 1
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return counts


def main(argv: list[str] | None = None) -> None:
    """The team's tool for rebuilding ``data/statements.jsonl`` (not part of the user CLI)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("batches", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--aliases", type=Path, default=Path("data/batches/event_aliases.json"))
    parser.add_argument("--corrections", type=Path, nargs="*", default=[], help="adjudicated label files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--keep-splits",
        type=Path,
        default=None,
        help="a previous merge: its statements keep their splits, only new event groups are placed",
    )
    args = parser.parse_args(argv)
    keep = None
    if args.keep_splits:
        keep = {s.id: s.split for s in read_statements(args.keep_splits) if s.split}
    aliases = json.loads(args.aliases.read_text(encoding="utf-8")) if args.aliases.is_file() else {}
    corrections = read_corrections(args.corrections)
    print(
        dict(merge(args.batches, args.out, aliases=aliases, corrections=corrections, seed=args.seed, keep_splits=keep))
    )


if __name__ == "__main__":
    main()
