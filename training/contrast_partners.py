"""Choose the partners of a contrast round and deal them to writers, each with a suggested change.

A contrast keeps a partner's subject and changes the words that decide one label, so the partners
should be the statements our models read by subject: real-derived training statements, spread over
many events (at most ``per_event`` each), never a partner before, with the commonest primary stances
and ``measured`` capped so a round does not add more of what the corpus already has most of.

Rounds from v2.11 on are reproducible from this module, a seed and the commit their assignment names
(a later corpus and later batches change the pool); earlier assignments
(``data/batches/ASSIGNMENT_v2_*.md``) describe theirs in prose. Pass held batches too
(``data/batches/held/*.jsonl``), so their partners count as used. Beside the lists, ``round.json``
records the command, the commit, the digests of the corpus and batches read, the settings and the ids
dealt to each writer: what an assignment cites so a later reader can redraw the round and check it.

    python -m training.contrast_partners --data data/statements.jsonl --batches data/batches/*.jsonl \\
        --writers x67 x68 x69 x70 x71 x72 --per-writer 115 --seed 33 --out-dir partners/
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from classifier.corpus import Statement, file_sha256, read_statements
from classifier.schema import NON_IRANIAN, STANCES, TONES

#: the code writers see for each stance in a suggested change (``A>B``)
CODES = {
    "condemnation": "COND",
    "neutral": "NEUTRAL",
    "de_escalation": "DEESC",
    "retaliation_vow": "VOW",
    "deterrence_warning": "WARN",
    "sovereignty_claim": "SOV",
    "diplomatic_appeal": "APPEAL",
    "solidarity": "SOLID",
}

#: the stance changes that fit a primary stance: the confusions held-out events show (see the assignments)
STANCE_CHANGES = {
    "condemnation": ("COND>NEUTRAL", "COND>SOV", "COND>DEESC", "COND>WARN", "COND>APPEAL"),
    "neutral": ("NEUTRAL>COND", "NEUTRAL>DEESC", "NEUTRAL>SOLID", "NEUTRAL>APPEAL"),
    "de_escalation": ("DEESC>NEUTRAL", "DEESC>WARN", "DEESC>APPEAL", "DEESC>COND"),
    "retaliation_vow": ("VOW>WARN", "VOW>COND", "VOW>DEESC", "VOW>SOV"),
    "deterrence_warning": ("WARN>VOW", "WARN>DENIAL", "WARN>SOV", "WARN>NEUTRAL"),
    "sovereignty_claim": ("SOV>COND", "SOV>WARN", "SOV>NEUTRAL", "SOV>DEESC"),
    "diplomatic_appeal": ("APPEAL>REMOVE", "APPEAL>COND", "APPEAL>DEESC", "APPEAL>NEUTRAL"),
    "solidarity": ("SOLID>NEUTRAL", "SOLID>COND", "SOLID>DEESC", "SOLID>VOW"),
}

#: the tones a ``TONE>X`` change may reach from each tone by changing its decisive words only
TONE_CHANGES = {
    "measured": ("conciliatory", "defiant", "solemn", "hostile"),
    "defiant": ("hostile", "measured"),
    "hostile": ("defiant", "measured"),
    "conciliatory": ("measured", "solemn"),
    "solemn": ("measured", "defiant"),
}


@dataclass(frozen=True)
class Round:
    """The settings of one contrast round; the defaults are v2.10's."""

    writers: tuple[str, ...]
    per_writer: int = 115
    seed: int = 32
    per_event: int = 2
    tone_share: float = 0.2
    strip_weight: int = 3
    primary_caps: tuple[tuple[str, int], ...] = (("condemnation", 150), ("neutral", 120))
    tone_caps: tuple[tuple[str, int], ...] = (("measured", 240),)
    #: aim a round at what the models get wrong: changes in ``focus`` are drawn ``focus_weight`` times as
    #: often (``DROP>COND``, removing only the blame from a statement that does more, is drawn only here),
    #: and partners carrying the stance ``favour`` are drawn ``favour_weight`` times as often
    focus: tuple[str, ...] = ()
    focus_weight: int = 4
    favour: str | None = None
    favour_weight: float = 2.0
    max_event: int | None = None

    def __post_init__(self):
        known = {c for changes in STANCE_CHANGES.values() for c in changes} | {"STRIP", "DROP>COND"}
        known |= {f"TONE>{t}" for t in TONES}
        problems = [f"unknown change {c!r} in focus" for c in self.focus if c not in known]
        caps = [*self.primary_caps, *((t, n) for t, n in self.tone_caps)]
        problems += [f"cap {name}={n}: not a label" for name, n in caps if name not in STANCES and name not in TONES]
        problems += [f"cap {name}={n}: must be positive" for name, n in caps if n < 1]
        if self.favour is not None and self.favour not in STANCES:
            problems.append(f"favour: unknown stance {self.favour!r}; valid stances: {', '.join(STANCES)}")
        if len(set(self.writers)) != len(self.writers) or not self.writers:
            problems.append(f"writers: give each writer once (got {', '.join(self.writers) or 'none'})")
        if self.per_writer < 1 or self.per_event < 1 or (self.max_event is not None and self.max_event < 1):
            problems.append("per_writer, per_event and max_event must be positive")
        if problems:
            raise ValueError("; ".join(problems))


def eligible(corpus: list[Statement], used: set[str]) -> list[Statement]:
    """Real-derived training statements that are not contrasts and were never a partner."""
    return [
        s
        for s in corpus
        if s.split == "train" and s.origin == "real-derived" and s.id not in used and not s.extra.get("contrast_of")
    ]


def used_partners(statements: list[Statement]) -> set[str]:
    return {s.extra["contrast_of"] for s in statements if s.extra.get("contrast_of")}


def choose(candidates: list[Statement], settings: Round, event_sizes: Counter | None = None) -> list[Statement]:
    """Shuffle with the seed and keep statements in order while their event and caps allow.

    With ``settings.max_event``, an event whose statements (``event_sizes``, contrasts included) and the
    contrasts chosen for it would reach that size gets no more: each round adds to the same events, and an
    event that size lets its vocabulary stand in for its labels.
    """
    event_sizes = event_sizes or Counter()
    rng = random.Random(settings.seed)
    pool = sorted(candidates, key=lambda s: s.id)
    if settings.favour is None:
        rng.shuffle(pool)
    else:  # a weighted shuffle (Efraimidis and Spirakis): key u ** (1 / w), largest first
        weight = {s.id: settings.favour_weight if settings.favour in s.stances else 1.0 for s in pool}
        keys = {s.id: rng.random() ** (1 / weight[s.id]) for s in pool}
        pool.sort(key=lambda s: -keys[s.id])
    wanted = settings.per_writer * len(settings.writers)
    primary_caps, tone_caps = dict(settings.primary_caps), dict(settings.tone_caps)
    per_event, per_primary, per_tone = Counter(), Counter(), Counter()
    chosen = []
    for s in pool:
        if len(chosen) == wanted:
            break
        if per_event[s.event] >= settings.per_event:
            continue
        if settings.max_event is not None and event_sizes[s.event] + per_event[s.event] >= settings.max_event:
            continue
        if per_primary[s.primary_stance] >= primary_caps.get(s.primary_stance, wanted):
            continue
        if per_tone[s.tone] >= tone_caps.get(s.tone, wanted):
            continue
        per_event[s.event] += 1
        per_primary[s.primary_stance] += 1
        per_tone[s.tone] += 1
        chosen.append(s)
    return chosen


def suggest(s: Statement, rng: random.Random, settings: Round) -> str:
    """A change that fits the partner: a tone change for ``tone_share`` of them, else a stance change."""
    if rng.random() < settings.tone_share:
        return rng.choice(_weighted([f"TONE>{t}" for t in TONE_CHANGES[s.tone]], settings))
    options = list(STANCE_CHANGES[s.primary_stance])
    if len(s.stances) > 1:
        options += ["STRIP"] * settings.strip_weight
    if "DROP>COND" in settings.focus and "condemnation" in s.stances[1:]:
        options.append("DROP>COND")
    return rng.choice(_weighted(options, settings))


def _weighted(options: list[str], settings: Round) -> list[str]:
    """``options`` with each focus change repeated ``focus_weight`` times (unchanged without a focus)."""
    return [o for o in options for _ in range(settings.focus_weight if o in settings.focus else 1)]


def deal(chosen: list[Statement], settings: Round) -> dict[str, list[dict]]:
    """The partner list of each writer, dealt in turn, as the rows writers read."""
    rng = random.Random(settings.seed + 1)
    lists: dict[str, list[dict]] = {w: [] for w in settings.writers}
    for i, s in enumerate(chosen):
        writer = settings.writers[i % len(settings.writers)]
        lists[writer].append(
            {
                "partner": s.id,
                "suggested_change": suggest(s, rng, settings),
                "stances": list(s.stances),
                "tone": s.tone,
                "actor": s.actor,
                "text": s.text,
            }
        )
    return lists


#: what a round's lists came from, written beside them, so an assignment can cite it and anyone can redraw
ROUND_FILE = "round.json"


def _git(*args: str) -> str:
    here = Path(__file__).parent
    return subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, check=True).stdout.strip()


def provenance(data: Path, batches: list[Path], settings: Round, lists: dict[str, list[dict]], argv) -> dict:
    """The inputs (with digests), settings and commit that reproduce these lists, and the ids dealt."""
    try:
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = None, None
    return {
        "command": "python -m training.contrast_partners " + " ".join(str(a) for a in argv),
        "commit": commit,
        "uncommitted_changes": dirty,
        "data": {"path": str(data), "sha256": file_sha256(data)},
        "batches": [{"path": str(b), "sha256": file_sha256(b)} for b in batches],
        "settings": asdict(settings),
        "lists": {w: {"partners": len(rows), "ids": [r["partner"] for r in rows]} for w, rows in lists.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the corpus the partners come from")
    parser.add_argument("--batches", type=Path, nargs="*", default=[], help="batch files whose partners count as used")
    parser.add_argument("--writers", nargs="+", required=True, help="one batch name per writer")
    parser.add_argument("--per-writer", type=int, default=Round.per_writer)
    parser.add_argument("--seed", type=int, default=Round.seed)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--focus", nargs="*", default=[], help="changes drawn more often, e.g. COND>NEUTRAL DROP>COND")
    parser.add_argument("--favour", default=None, help="a stance whose partners are drawn more often")
    parser.add_argument("--cap", nargs="*", default=[], help="primary-stance caps as STANCE=N (replacing the defaults)")
    parser.add_argument("--max-event", type=int, default=None, help="no partner from an event this size or larger")
    args = parser.parse_args(argv)

    corpus = read_statements(args.data)
    used = used_partners(corpus)
    for batch in args.batches:
        used |= used_partners(read_statements(batch))
    matches = [(c, re.fullmatch(r"([a-z_]+)=(\d+)", c)) for c in args.cap]
    for c, m in matches:
        if m is None:
            parser.error(f"--cap takes STANCE=N, got {c!r}")
    caps = tuple((m[1], int(m[2])) for _, m in matches) or Round.primary_caps
    try:
        settings = Round(
            writers=tuple(args.writers),
            per_writer=args.per_writer,
            seed=args.seed,
            primary_caps=caps,
            focus=tuple(args.focus),
            favour=args.favour,
            max_event=args.max_event,
        )
    except ValueError as exc:
        parser.error(str(exc))
    chosen = choose(eligible(corpus, used), settings, Counter(s.event for s in corpus))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    lists = deal(chosen, settings)
    for writer, rows in lists.items():
        path = args.out_dir / f"{writer}_partners.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    record = provenance(args.data, args.batches, settings, lists, argv if argv is not None else sys.argv[1:])
    (args.out_dir / ROUND_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(
        f"{len(chosen)} partners on {len({s.event for s in chosen})} events "
        f"({sum(s.actor == NON_IRANIAN for s in chosen)} non-Iranian) dealt to {len(settings.writers)} writers in "
        f"{args.out_dir}; primary {dict(Counter(s.primary_stance for s in chosen))}; "
        f"tone {dict(Counter(s.tone for s in chosen))}"
    )


if __name__ == "__main__":
    main()
