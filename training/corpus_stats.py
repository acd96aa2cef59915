"""``stance data stats``: what a corpus holds, to check coverage targets at a glance."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from classifier.corpus import read_statements
from classifier.schema import SPEAKERS, SPLITS, STANCES, TONES

LENGTH_BANDS = ((0, 15, "1-14 words"), (15, 40, "15-39"), (40, 80, "40-79"), (80, 150, "80-149"), (150, 10**9, "150+"))


def _band(n_words: int) -> str:
    return next(name for lo, hi, name in LENGTH_BANDS if lo <= n_words < hi)


def corpus_stats(path: str | Path) -> dict:
    statements = read_statements(path)
    n = len(statements)
    any_stance = Counter(label for s in statements for label in s.stances)
    stats = {
        "n": n,
        "speaker": {k: sum(s.speaker == k for s in statements) for k in SPEAKERS},
        "stance_any": {k: any_stance[k] for k in STANCES},
        "stance_primary": {k: sum(s.stances[0] == k for s in statements) for k in STANCES},
        "tone": {k: sum(s.tone == k for s in statements) for k in TONES},
        "split": {k: sum(s.split == k for s in statements) for k in SPLITS},
        "length_band": {
            name: sum(_band(len(s.text.split())) == name for s in statements) for _, _, name in LENGTH_BANDS
        },
        "multi_stance_rate": round(sum(len(s.stances) > 1 for s in statements) / n, 4),
        "year": dict(sorted(Counter(s.year for s in statements if s.year).items())),
        "events": len({s.event for s in statements if s.event}),
    }
    hard = Counter(tag for s in statements for tag in s.extra.get("hard_cases", []) or [])
    if hard:
        stats["hard_cases"] = dict(sorted(hard.items()))
    forms = Counter(s.extra.get("form") for s in statements if s.extra.get("form"))
    if forms:
        stats["form"] = dict(sorted(forms.items()))
    return stats


def render_stats(stats: dict) -> str:
    lines = [
        f"statements: {stats['n']}  events: {stats['events']}  multi-stance rate: {stats['multi_stance_rate']:.1%}"
    ]
    for key in (
        "speaker",
        "stance_any",
        "stance_primary",
        "tone",
        "split",
        "length_band",
        "year",
        "hard_cases",
        "form",
    ):
        if key not in stats:
            continue
        lines.append(f"\n{key.replace('_', ' ')}:")
        width = max(len(str(k)) for k in stats[key]) if stats[key] else 0
        lines += [f"  {k!s:<{width}}  {v:>5}" for k, v in stats[key].items()]
    return "\n".join(lines)
