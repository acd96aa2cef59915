"""``stance data stats``: what a corpus holds, to check coverage targets at a glance."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from classifier.corpus import LENGTH_BANDS, Statement, read_statements
from classifier.schema import SPEAKERS, SPLITS, STANCES, TONES


def event_majority_accuracy(statements: list[Statement]) -> float:
    """Accuracy of guessing each statement's primary stance as its event's majority one.

    High values mean an event's name (or its vocabulary) predicts the label, which
    lets a model score well without reading the speech act. Statements without an
    event count as their own one-statement event.
    """
    by_event: dict[str, Counter] = defaultdict(Counter)
    for s in statements:
        by_event[s.event or f"id:{s.id}"][s.primary_stance] += 1
    hits = sum(c.most_common(1)[0][1] for c in by_event.values())
    return round(hits / max(len(statements), 1), 4)


def lopsided_events(statements: list[Statement], *, min_size: int = 6, min_primaries: int = 3) -> dict[str, dict]:
    """Events with ``min_size`` or more statements but fewer than ``min_primaries`` primary stances."""
    by_event: dict[str, Counter] = defaultdict(Counter)
    for s in statements:
        if s.event:
            by_event[s.event][s.primary_stance] += 1
    return {
        event: dict(c.most_common())
        for event, c in sorted(by_event.items())
        if sum(c.values()) >= min_size and len(c) < min_primaries
    }


def corpus_stats(path: str | Path) -> dict:
    statements = read_statements(path)
    n = len(statements)
    event_sizes = Counter(s.event for s in statements if s.event)
    any_stance = Counter(label for s in statements for label in s.stances)
    stats = {
        "n": n,
        "speaker": {k: sum(s.speaker == k for s in statements) for k in SPEAKERS},
        "stance_any": {k: any_stance[k] for k in STANCES},
        "stance_primary": {k: sum(s.stances[0] == k for s in statements) for k in STANCES},
        "tone": {k: sum(s.tone == k for s in statements) for k in TONES},
        "split": {k: sum(s.split == k for s in statements) for k in SPLITS},
        "length_band": {name: sum(s.length_band == name for s in statements) for _, _, name in LENGTH_BANDS},
        "multi_stance_rate": round(sum(len(s.stances) > 1 for s in statements) / n, 4),
        "year": dict(sorted(Counter(s.year for s in statements if s.year).items())),
        "events": len(event_sizes),
        "largest_event": dict(event_sizes.most_common(1)),
        "event_majority_accuracy": event_majority_accuracy(statements),
        "lopsided_events": lopsided_events(statements),
        "origin": dict(sorted(Counter(s.origin for s in statements).items())),
        "actor": dict(sorted(Counter(s.actor for s in statements).items())),
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
        f"statements: {stats['n']}  events: {stats['events']}  multi-stance rate: {stats['multi_stance_rate']:.1%}",
        f"event-majority accuracy (each event's commonest primary stance): {stats['event_majority_accuracy']:.3f}",
        f"largest event: {stats['largest_event']}",
    ]
    lopsided = stats.get("lopsided_events") or {}
    if lopsided:
        lines.append(f"events with 6+ statements but fewer than 3 primary stances: {len(lopsided)}")
        lines += [f"  {event}: {counts}" for event, counts in list(lopsided.items())[:20]]
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
        "origin",
        "actor",
    ):
        if key not in stats:
            continue
        lines.append(f"\n{key.replace('_', ' ')}:")
        width = max(len(str(k)) for k in stats[key]) if stats[key] else 0
        lines += [f"  {k!s:<{width}}  {v:>5}" for k, v in stats[key].items()]
    return "\n".join(lines)
