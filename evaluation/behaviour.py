"""Behaviour checks in the style of CheckList: small hand-written cases per capability.

Held-out F1 says how often a model agrees with the annotators; it does not say
*why* it fails. These checks isolate the distinctions the codebook cares about
(negation, conditional vs past, quoted threats, ...) so a regression in one of
them is visible even when the headline figures barely move.

Two kinds of check:

- ``expect``: each case is one text with expectations on the prediction
  (``must_include``, ``must_exclude``, ``primary_in``, ``primary_not_in``,
  ``tone_in``); a case passes when every expectation it states holds.
- ``invariance``: each case is a pair of texts (``a``, ``b``) with the same
  content; it passes when the predictions agree on every aspect listed in the
  check's ``compare`` (``primary``, ``stances`` as a set, ``tone``).

The runner needs only an object with ``classify(texts) -> list[dict]`` whose
dicts carry ``stances`` and ``tone`` (``classifier.predictor.Predictor``, or a
fake in tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from classifier.errors import DataError
from classifier.files import read_json
from classifier.schema import STANCES, TONES

DEFAULT_CHECKS = Path(__file__).with_name("behaviour_checks.json")
KINDS = ("expect", "invariance")
STANCE_FIELDS = ("must_include", "must_exclude", "primary_in", "primary_not_in")
ASPECTS = ("primary", "stances", "tone")


class Classifier(Protocol):
    def classify(self, texts: Sequence[str]) -> list[dict]: ...


@dataclass(frozen=True)
class Case:
    id: str
    texts: tuple[str, ...]  # one text for ``expect``, two (a, b) for ``invariance``
    expect: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    name: str
    kind: str
    description: str
    cases: tuple[Case, ...]
    codebook: str = ""
    compare: tuple[str, ...] = ASPECTS


# -- loading ------------------------------------------------------------------


def _case_problems(raw: dict, kind: str, where: str) -> list[str]:
    problems = []
    if kind == "expect":
        if not isinstance(raw.get("text"), str) or not raw["text"].strip():
            problems.append(f"{where}: text: must be a non-empty string")
        stated = [k for k in (*STANCE_FIELDS, "tone_in") if k in raw]
        if not stated:
            problems.append(f"{where}: states no expectation (one of {', '.join((*STANCE_FIELDS, 'tone_in'))})")
        for key in stated:
            valid = TONES if key == "tone_in" else STANCES
            values = raw[key]
            if not isinstance(values, list) or not values:
                problems.append(f"{where}: {key}: must be a non-empty list")
                continue
            problems.extend(f"{where}: {key}: unknown label {v!r}" for v in values if v not in valid)
    else:
        for side in ("a", "b"):
            if not isinstance(raw.get(side), str) or not raw[side].strip():
                problems.append(f"{where}: {side}: must be a non-empty string")
    return problems


def _parse_check(raw: dict, where: str) -> tuple[Check | None, list[str]]:
    kind = raw.get("kind")
    if kind not in KINDS:
        return None, [f"{where}: kind: must be one of {', '.join(KINDS)}, got {kind!r}"]
    compare = tuple(raw.get("compare", ASPECTS))
    problems = [f"{where}: compare: unknown aspect {a!r}" for a in compare if a not in ASPECTS]
    cases, seen = [], set()
    for i, rc in enumerate(raw.get("cases") or []):
        cid = str(rc.get("id") or f"{raw.get('name')}-{i + 1}")
        case_where = f"{where} case {cid}"
        if cid in seen:
            problems.append(f"{case_where}: duplicate case id")
        seen.add(cid)
        found = _case_problems(rc, kind, case_where)
        problems.extend(found)
        if found:
            continue
        if kind == "expect":
            expect = {k: tuple(rc[k]) for k in (*STANCE_FIELDS, "tone_in") if k in rc}
            cases.append(Case(cid, (rc["text"],), expect))
        else:
            cases.append(Case(cid, (rc["a"], rc["b"])))
    if not cases and not problems:
        problems.append(f"{where}: no cases")
    check = Check(
        str(raw.get("name")), kind, str(raw.get("description", "")), tuple(cases), str(raw.get("codebook", "")), compare
    )
    return check, problems


def load_checks(path: str | Path = DEFAULT_CHECKS) -> list[Check]:
    """Read and validate a checks file; raise ``DataError`` listing every problem."""
    path = Path(path)
    raw = read_json(path)
    checks, problems, names = [], [], set()
    for i, rc in enumerate((raw.get("checks") or []) if isinstance(raw, dict) else []):
        name = rc.get("name") if isinstance(rc, dict) else None
        where = f"{path}: check {name or i + 1}"
        if not isinstance(rc, dict) or not name:
            problems.append(f"{where}: each check needs a name")
            continue
        if name in names:
            problems.append(f"{where}: duplicate check name")
        names.add(name)
        check, found = _parse_check(rc, where)
        problems.extend(found)
        if check is not None:
            checks.append(check)
    if problems:
        raise DataError(problems)
    if not checks:
        raise DataError(f"{path}: no checks found")
    return checks


# -- judging ------------------------------------------------------------------


def expectation_failures(expect: dict[str, Sequence[str]], stances: Sequence[str], tone: str) -> list[str]:
    """Why a prediction breaks a case's expectations; empty when it passes."""
    reasons = []
    predicted, primary = set(stances), stances[0] if stances else None
    missing = [s for s in expect.get("must_include", ()) if s not in predicted]
    if missing:
        reasons.append(f"missing {', '.join(missing)}")
    unwanted = [s for s in expect.get("must_exclude", ()) if s in predicted]
    if unwanted:
        reasons.append(f"predicted excluded {', '.join(unwanted)}")
    if "primary_in" in expect and primary not in expect["primary_in"]:
        reasons.append(f"primary {primary} not in {', '.join(expect['primary_in'])}")
    if primary in expect.get("primary_not_in", ()):
        reasons.append(f"primary {primary} is not allowed")
    if "tone_in" in expect and tone not in expect["tone_in"]:
        reasons.append(f"tone {tone} not in {', '.join(expect['tone_in'])}")
    return reasons


def invariance_failures(a: dict, b: dict, compare: Sequence[str] = ASPECTS) -> list[str]:
    """Which aspects of two predictions differ; empty when they agree."""
    reasons = []
    if "primary" in compare and a["stances"][:1] != b["stances"][:1]:
        reasons.append(f"primary changed: {a['stances'][0]} -> {b['stances'][0]}")
    if "stances" in compare and set(a["stances"]) != set(b["stances"]):
        reasons.append(f"stances changed: {', '.join(a['stances'])} -> {', '.join(b['stances'])}")
    if "tone" in compare and a["tone"] != b["tone"]:
        reasons.append(f"tone changed: {a['tone']} -> {b['tone']}")
    return reasons


def _brief(prediction: dict) -> dict:
    out = {"stances": list(prediction["stances"]), "tone": prediction["tone"]}
    scores = prediction.get("stance_scores")
    if scores:
        out["stance_scores"] = {k: round(float(v), 3) for k, v in scores.items()}
    return out


def _judge(check: Check, case: Case, preds: list[dict]) -> dict | None:
    """A failure record for the case, or None when it passes."""
    if check.kind == "expect":
        reasons = expectation_failures(case.expect, preds[0]["stances"], preds[0]["tone"])
        if not reasons:
            return None
        return {
            "id": case.id,
            "text": case.texts[0],
            "expected": {k: list(v) for k, v in case.expect.items()},
            "predicted": _brief(preds[0]),
            "reasons": reasons,
        }
    reasons = invariance_failures(preds[0], preds[1], check.compare)
    if not reasons:
        return None
    return {
        "id": case.id,
        "a": case.texts[0],
        "b": case.texts[1],
        "predicted_a": _brief(preds[0]),
        "predicted_b": _brief(preds[1]),
        "reasons": reasons,
    }


def run_checks(model: Classifier, checks: Sequence[Check]) -> dict:
    """Pass rates per check, with the failing cases, for one model.

    All texts go to the model in one ``classify`` call, so a slow model is
    loaded and batched once.
    """
    texts = [t for check in checks for case in check.cases for t in case.texts]
    predictions = iter(model.classify(texts))
    per_check, total, passed = {}, 0, 0
    for check in checks:
        failures = []
        for case in check.cases:
            failure = _judge(check, case, [next(predictions) for _ in case.texts])
            if failure is not None:
                failures.append(failure)
        n, ok = len(check.cases), len(check.cases) - len(failures)
        per_check[check.name] = {"kind": check.kind, "n": n, "passed": ok, "pass_rate": ok / n, "failures": failures}
        total, passed = total + n, passed + ok
    return {"n": total, "passed": passed, "pass_rate": passed / total if total else 0.0, "checks": per_check}


def describe_checks(checks: Sequence[Check]) -> list[dict]:
    """What each check tests, for the reports (names, kinds, descriptions, sizes)."""
    return [
        {"name": c.name, "kind": c.kind, "description": c.description, "codebook": c.codebook, "n": len(c.cases)}
        for c in checks
    ]
