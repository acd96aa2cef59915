"""Copy check for real-derived statements: no run of 8 or more words shared with the source.

Writers keep the passages they worked from (``{"id", "source_url", "source_quote"}``
per statement) in a sources file outside the repository, since it holds other
people's text. This module compares each statement with its passages, word by
word after folding case and punctuation, and reports every shared run of
``n`` or more words, so a copied sentence or a lightly edited one is caught.
The page title (``source_title``) counts as a passage, and a whole sentence of
the statement found in a passage counts even when it is shorter than ``n``
words: a copied headline is short.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from classifier.corpus import read_statements
from classifier.errors import DataError

RUN_LENGTH = 8
#: a sentence this long or longer that appears whole in a passage is copied, whatever ``RUN_LENGTH``
SENTENCE_WORDS = 5
_WORD = re.compile(r"[\w']+")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\s+[-\u2013\u2014]\s+")


def words(text: str) -> list[str]:
    return [w.strip("'") for w in _WORD.findall(text.lower().replace("\u2019", "'")) if w.strip("'")]


def shared_runs(text: str, source: str, n: int = RUN_LENGTH) -> list[str]:
    """Maximal runs of at least ``n`` consecutive words that ``text`` shares with ``source``."""
    mine, theirs = words(text), words(source)
    grams = {tuple(theirs[i : i + n]) for i in range(len(theirs) - n + 1)}
    runs: list[str] = []
    i = 0
    while i <= len(mine) - n:
        if tuple(mine[i : i + n]) in grams:
            j = i + n
            while j < len(mine) and tuple(mine[j - n + 1 : j + 1]) in grams:
                j += 1
            runs.append(" ".join(mine[i:j]))
            i = j
        else:
            i += 1
    return runs


def copied_sentences(text: str, source: str, shortest: int = SENTENCE_WORDS) -> list[str]:
    """Sentences (or headline clauses) of ``text`` of at least ``shortest`` words found whole in ``source``."""
    theirs = " " + " ".join(words(source)) + " "
    found = []
    for sentence in _SENTENCE_END.split(text):
        mine = words(sentence)
        if len(mine) >= shortest and " " + " ".join(mine) + " " in theirs:
            found.append(" ".join(mine))
    return found


@dataclass(frozen=True)
class Overlap:
    id: str
    run: str


def read_sources(path: str | Path) -> dict[str, list[str]]:
    """Passages by statement id (several lines may name the same id)."""
    out: dict[str, list[str]] = {}
    problems: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{lineno}: json: invalid JSON ({exc.msg})")
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("id"), str):
                problems.append(f"{path}:{lineno}: id: missing")
                continue
            passages = out.setdefault(rec["id"], [])
            passages += [str(rec[key]) for key in ("source_quote", "source_title") if rec.get(key)]
    if problems:
        raise DataError(problems)
    return out


def check_copying(data: str | Path, sources: str | Path, n: int = RUN_LENGTH) -> tuple[list[Overlap], list[str]]:
    """Shared runs, and the real-derived statements that have no passage on record."""
    passages = read_sources(sources)
    overlaps: list[Overlap] = []
    unsourced: list[str] = []
    for s in read_statements(data):
        if s.origin != "real-derived":
            continue
        if s.id not in passages:
            unsourced.append(s.id)
            continue
        for passage in passages[s.id]:
            runs = shared_runs(s.text, passage, n)
            runs += [c for c in copied_sentences(s.text, passage) if not any(c in r for r in runs)]
            overlaps += [Overlap(s.id, run) for run in runs]
    return overlaps, unsourced


def main(argv: list[str] | None = None) -> int:
    """``python -m training.provenance DATA SOURCES``: the writers' own copy check."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("sources", type=Path)
    parser.add_argument("-n", type=int, default=RUN_LENGTH, help="shortest run that counts as copied")
    args = parser.parse_args(argv)
    overlaps, unsourced = check_copying(args.data, args.sources, args.n)
    for o in overlaps:
        print(f"{o.id}: shares {len(o.run.split())} words with its source: {o.run!r}")
    for sid in unsourced:
        print(f"{sid}: real-derived but no passage in {args.sources}")
    print(
        "OK" if not overlaps and not unsourced else f"FAILED: {len(overlaps)} copied runs, {len(unsourced)} unsourced"
    )
    return 0 if not overlaps and not unsourced else 1


if __name__ == "__main__":
    raise SystemExit(main())
