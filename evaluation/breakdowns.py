"""Headline metrics per group of statements (speaker, year, form, length, hard-case tag).

A model that is good on average can still fail one speaker's register or one
period's vocabulary; these tables show where. Groups are small, so they carry
no intervals: the reports flag groups under ``SMALL_GROUP`` statements instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifier.corpus import LENGTH_BANDS, Statement
from classifier.schema import SPEAKERS
from evaluation.metrics import headline, subset_parts

NONE_GROUP = "(none)"
SMALL_GROUP = 20
GROUP_METRICS = ("stance.macro_f1", "stance.micro_f1", "primary_stance_exact", "tone.accuracy", "tone.macro_f1")


def _values(statement: Statement, field: str) -> list[str]:
    """The group(s) a statement belongs to; a statement may carry several hard-case tags."""
    if field == "speaker":
        return [statement.speaker] if statement.speaker else []
    if field == "year":
        return [statement.year] if statement.year else []
    if field == "length":  # every statement has one: long documents are where windows take over
        return [statement.length_band]
    if field in _DEFAULTED:
        return [getattr(statement, field)]
    value = statement.extra.get(field)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value not in (None, "") else []


#: fields with a default (a row without ``origin`` is composed, without ``actor`` Iranian); grouped
#: only when some statement states them, since otherwise every row is in the one default group
_DEFAULTED = ("origin", "actor")


def _order(field: str, groups: set[str]) -> list[str]:
    known = [g for g in groups if g != NONE_GROUP]
    if field == "speaker":
        known.sort(key=lambda g: (SPEAKERS.index(g) if g in SPEAKERS else len(SPEAKERS), g))
    elif field == "length":
        bands = [name for _, _, name in LENGTH_BANDS]
        known.sort(key=bands.index)
    else:
        known.sort()
    return known + ([NONE_GROUP] if NONE_GROUP in groups else [])


def group_members(statements: Sequence[Statement], field: str) -> dict[str, np.ndarray]:
    """Row indices per group, in display order; empty when no statement has the field."""
    if field in _DEFAULTED and not any(field in s.extra for s in statements):
        return {}
    values = [_values(s, field) for s in statements]
    if not any(values):
        return {}
    members: dict[str, list[int]] = {}
    for row, vs in enumerate(values):
        for v in vs or [NONE_GROUP]:
            members.setdefault(v, []).append(row)
    if field == "length" and len(members) < 2:  # every statement has a length: one band says nothing
        return {}
    return {g: np.asarray(members[g], dtype=np.int64) for g in _order(field, set(members))}


def breakdown(parts: dict, members: dict[str, np.ndarray]) -> dict[str, dict]:
    """``{group: {"n": ..., metric: value}}`` for one model's per-statement parts."""
    out = {}
    for group, rows in members.items():
        head = headline(subset_parts(parts, rows))
        out[group] = {"n": len(rows), **{k: head[k] for k in GROUP_METRICS if k in head}}
    return out
