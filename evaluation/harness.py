"""The evaluation harness: run every model on the same statements, collect every figure.

``compare`` returns one results dict (saved as ``results.json``) from which
every report is rendered; nothing downstream re-runs a model. All models are
scored on the same statements and all bootstrap intervals use the same
resample indices, which is what makes the paired differences meaningful.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from classifier.corpus import Statement, file_sha256, read_statements, select_split
from classifier.errors import ConfigError, DataError
from classifier.files import atomic_write_text, read_json
from classifier.paths import DEFAULT_DATA
from classifier.predictor import Predictor
from classifier.schema import STANCES, TONES, schema_dict
from evaluation.behaviour import DEFAULT_CHECKS, describe_checks, load_checks, run_checks
from evaluation.breakdowns import breakdown, group_members
from evaluation.error_analysis import MAX_DISAGREEMENTS, TOP_ERRORS, disagreements, top_errors
from evaluation.metrics import (
    CI_LEVEL,
    average_precision,
    bootstrap_headline,
    bootstrap_indices,
    headline,
    headline_parts,
    interval,
    macro_average_precision,
    paired_difference,
    stance_calibration,
    subset_parts,
    summarise,
    tone_calibration,
)
from evaluation.present import HEADLINE_METRICS, metric_value, model_label
from evaluation.runs import Gold, ModelRun, run_model
from evaluation.verdict import verdict

RESULTS_FORMAT_VERSION = 1
RESULTS_FILE = "results.json"
METRICS_FILE = "metrics.json"
BREAKDOWN_FIELDS = ("speaker", "origin", "actor", "year", "form", "length", "hard_cases")
#: slices reported with their own intervals and paired differences: the statements most like
#: what users paste (derived from real ones) and the speakers outside the Iranian state
SLICES = {
    "real-derived": lambda s: s.origin == "real-derived",
    "non-Iranian": lambda s: s.actor == "non_iranian",
}


@dataclass(frozen=True)
class EvalData:
    """The statements to evaluate on, and how they were chosen (for the report's first line)."""

    statements: list[Statement]
    path: Path
    requested_split: str | None
    split_used: str
    note: str


def load_eval_data(data: str | Path | None = None, split: str | None = "test") -> EvalData:
    """The requested split of a labelled JSONL file, or all of it when the split is absent.

    Only ``text``, ``stances`` and ``tone`` are required, so any labelled file
    (an outside test set, a fresh annotation batch) can be evaluated.
    """
    path = Path(data) if data is not None else DEFAULT_DATA
    if not path.is_file():
        raise DataError(f"{path}: evaluation data not found; pass a labelled JSONL file")
    statements = read_statements(path)
    selected = select_split(statements, split) if split else []
    if selected:
        note = f"the {split!r} split: {len(selected)} of {len(statements)} statements in the file"
        return EvalData(selected, path, split, split, note)
    if not split:
        note = f"all {len(statements)} statements (no split requested)"
    elif any(s.split for s in statements):
        note = f"the file has no {split!r} rows, so all {len(statements)} statements are used"
    else:
        note = f"the file has no split field, so all {len(statements)} statements are used"
    return EvalData(statements, path, split, "all", note)


def model_names(dirs: Sequence[str | Path]) -> list[str]:
    """Unique display names from directory names, adding parent directories only to break ties."""
    paths = [Path(d).resolve() for d in dirs]
    depth = 1
    while True:
        names = ["/".join(p.parts[-depth:]) for p in paths]
        if len(set(names)) == len(names) or depth >= max(len(p.parts) for p in paths):
            break
        depth += 1
    counts = Counter(names)
    seen: Counter = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(f"{name}#{seen[name]}" if counts[name] > 1 else name)
    return out


def model_metrics(run: ModelRun, gold: Gold, idx: np.ndarray | None) -> tuple[dict, dict, dict | None]:
    """(metrics dict, per-statement parts, bootstrap samples or None) for one model."""
    args = (gold.stance, run.stance_pred, run.stance_scores, gold.tone, run.tone_pred)
    primary = {"primary_gold": gold.primary, "primary_pred": run.primary_pred}
    parts = headline_parts(*args, **primary)
    metrics = summarise(*args, **primary, parts=parts)
    ap = average_precision(gold.stance, run.stance_scores)
    metrics["stance"]["average_precision"] = ap
    metrics["stance"]["macro_average_precision"] = macro_average_precision(ap)
    metrics["calibration"] = {
        "stance": stance_calibration(gold.stance, run.stance_scores),
        "tone": tone_calibration(gold.tone, run.tone_scores),
    }
    samples = None
    if idx is not None:
        samples = bootstrap_headline(parts, idx)
        metrics["ci95"] = {k: interval(samples[k]) for k in HEADLINE_METRICS if k in samples}
    return metrics, parts, samples


def _comparison(a: str, b: str, metrics: dict, samples: dict) -> dict:
    diffs = {}
    for key in HEADLINE_METRICS:
        pa, pb = metric_value(metrics[a], key), metric_value(metrics[b], key)
        if pa is None or pb is None:
            continue
        if samples[a] is not None:
            diffs[key] = paired_difference(pa, pb, samples[a][key], samples[b][key])
        else:
            diffs[key] = {"a": pa, "b": pb, "diff": pb - pa, "ci95": None, "p_value": None, "significant": False}
    return {"a": a, "b": b, "metrics": diffs}


def _nest(flat: dict[str, float]) -> dict:
    """``{"stance.macro_f1": x}`` -> ``{"stance": {"macro_f1": x}}`` (the shape of a metrics dict)."""
    out: dict = {}
    for key, value in flat.items():
        node = out
        *path, leaf = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def slice_results(gold: Gold, names: list[str], parts: dict, *, n_resamples: int, seed: int) -> dict:
    """Headline metrics, intervals and paired differences on each slice in ``SLICES`` that is present."""
    out = {}
    for slice_name, keep in SLICES.items():
        rows = np.flatnonzero([keep(s) for s in gold.statements])
        if not len(rows) or len(rows) == len(gold.statements):
            continue
        idx = bootstrap_indices(len(rows), n_resamples=n_resamples, seed=seed) if n_resamples else None
        metrics, samples = {}, {}
        for name in names:
            sub = subset_parts(parts[name], rows)
            metrics[name] = _nest(headline(sub))
            samples[name] = bootstrap_headline(sub, idx) if idx is not None else None
            if samples[name] is not None:
                metrics[name]["ci95"] = {k: interval(samples[name][k]) for k in HEADLINE_METRICS if k in samples[name]}
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        out[slice_name] = {
            "n": len(rows),
            "models": metrics,
            "comparisons": [_comparison(a, b, metrics, samples) for a, b in pairs],
        }
    return out


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def overlap_warnings(statements: Sequence[Statement], predictors: dict[str, Predictor]) -> list[str]:
    """Warn when evaluation statements also appear in a model's training data (figures would be optimistic)."""
    texts = [_normalise(s.text) for s in statements]
    warnings = []
    seen_by_path: dict[str, set[str] | None] = {}  # models trained on the same file read it once
    for name, predictor in predictors.items():
        train_path = (predictor.metadata.get("training") or {}).get("data")
        if not train_path or not Path(train_path).is_file():
            continue
        if train_path not in seen_by_path:
            try:
                seen_by_path[train_path] = {
                    _normalise(s.text) for s in read_statements(train_path) if s.split != "test"
                }
            except DataError:
                seen_by_path[train_path] = None
        seen = seen_by_path[train_path]
        if seen is None:
            continue
        k = sum(t in seen for t in texts)
        if k:
            label = model_label({"name": name, "kind": predictor.kind})
            warnings.append(
                f"{k} of {len(texts)} evaluation statements also appear in the training or validation "
                f"data of {label} ({train_path}); its figures are optimistic."
            )
    return warnings


def _model_entry(name: str, predictor: Predictor, run: ModelRun, metrics: dict) -> dict:
    meta = predictor.metadata
    return {
        "name": name,
        "kind": run.kind,
        "path": run.path,
        "created_at": meta.get("created_at"),
        "model_config": meta.get("model_config"),
        "training": meta.get("training"),
        "thresholds": run.thresholds,
        "calibration": meta.get("calibration"),
        "inference_seconds": run.seconds,
        "metrics": metrics,
    }


def _data_entry(data: EvalData) -> dict:
    statements = data.statements
    return {
        "path": str(data.path),
        "sha256": file_sha256(data.path),
        "requested_split": data.requested_split,
        "split_used": data.split_used,
        "note": data.note,
        "n": len(statements),
        "stance_counts": {label: sum(label in s.stances for s in statements) for label in STANCES},
        "primary_counts": {label: sum(s.stances[0] == label for s in statements) for label in STANCES},
        "tone_counts": {label: sum(s.tone == label for s in statements) for label in TONES},
    }


def _check_settings(n_resamples: int, seed: int) -> None:
    if not isinstance(n_resamples, int) or n_resamples < 0:
        raise ConfigError(f"n_resamples must be a non-negative integer, got {n_resamples!r}")
    if not isinstance(seed, int):
        raise ConfigError(f"seed must be an integer, got {seed!r}")


def evaluate(
    model_dir: str | Path,
    data: str | Path | None = None,
    *,
    split: str | None = "test",
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """The ``metrics.json`` dict for one model: ``summarise`` output plus intervals, AP and calibration."""
    _check_settings(n_resamples, seed)
    eval_data = load_eval_data(data, split)
    gold = Gold.from_statements(eval_data.statements)
    run = run_model(Predictor.load(model_dir), model_names([model_dir])[0], gold.texts)
    idx = bootstrap_indices(len(gold.statements), n_resamples=n_resamples, seed=seed) if n_resamples else None
    return model_metrics(run, gold, idx)[0]


def compare(
    model_dirs: Sequence[str | Path] | str | Path,
    data: str | Path | None = None,
    *,
    split: str | None = "test",
    n_resamples: int = 1000,
    seed: int = 0,
    checks: str | Path | None = DEFAULT_CHECKS,
    top_k: int = TOP_ERRORS,
    max_disagreements: int = MAX_DISAGREEMENTS,
) -> dict:
    """Run every model on the same statements; return the results dict every report is rendered from.

    The first model is "A" in every paired difference (B − A). ``checks`` is
    the behaviour-checks file, or None to skip the behaviour section.
    """
    dirs = [model_dirs] if isinstance(model_dirs, str | Path) else list(model_dirs)
    if not dirs:
        raise ConfigError("compare needs at least one model directory")
    _check_settings(n_resamples, seed)
    eval_data = load_eval_data(data, split)
    behaviour_checks = load_checks(checks) if checks else None
    gold = Gold.from_statements(eval_data.statements)
    names = model_names(dirs)
    predictors = {name: Predictor.load(d) for name, d in zip(names, dirs, strict=True)}
    n = len(gold.statements)
    idx = bootstrap_indices(n, n_resamples=n_resamples, seed=seed) if n_resamples else None

    runs, models, parts, samples = {}, {}, {}, {}
    for name, predictor in predictors.items():
        runs[name] = run_model(predictor, name, gold.texts)
        metrics, parts[name], samples[name] = model_metrics(runs[name], gold, idx)
        models[name] = _model_entry(name, predictor, runs[name], metrics)

    metrics_by = {name: models[name]["metrics"] for name in names}
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    breakdowns = {}
    for field in BREAKDOWN_FIELDS:
        members = group_members(gold.statements, field)
        if members:
            breakdowns[field] = {
                "groups": {g: len(rows) for g, rows in members.items()},
                "models": {name: breakdown(parts[name], members) for name in names},
            }
    results = {
        "format_version": RESULTS_FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema": schema_dict(),
        "settings": {
            "n_resamples": n_resamples,
            "seed": seed,
            "ci_level": CI_LEVEL,
            "top_k_errors": top_k,
            "max_disagreements": max_disagreements,
        },
        "data": _data_entry(eval_data),
        "warnings": overlap_warnings(gold.statements, predictors),
        "model_names": names,
        "models": models,
        "comparisons": [_comparison(a, b, metrics_by, samples) for a, b in pairs],
        "breakdowns": breakdowns,
        "slices": slice_results(gold, names, parts, n_resamples=n_resamples, seed=seed),
        "errors": {name: top_errors(gold, runs[name], top_k) for name in names},
        "disagreements": [disagreements(gold, runs[a], runs[b], max_disagreements) for a, b in pairs],
        "behaviour": None,
    }
    if behaviour_checks is not None:
        results["behaviour"] = {
            "source": str(checks),
            "checks": describe_checks(behaviour_checks),
            "models": {name: run_checks(p, behaviour_checks) for name, p in predictors.items()},
        }
    results["verdict"] = verdict(results)
    return results


def _write_json(path: Path, data: dict) -> None:
    """Write atomically, so a crash never leaves half a results file that a report would then render."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_results(results: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` (and ``metrics.json`` when one model was evaluated); return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"results": out / RESULTS_FILE}
    _write_json(paths["results"], results)
    if len(results["model_names"]) == 1:
        paths["metrics"] = out / METRICS_FILE
        _write_json(paths["metrics"], results["models"][results["model_names"][0]]["metrics"])
    return paths


def read_results(path: str | Path) -> dict:
    """Load a ``results.json`` (to re-render reports without re-running the models)."""
    path = Path(path)
    results = read_json(path, "results file")
    if not isinstance(results, dict) or results.get("format_version") != RESULTS_FORMAT_VERSION:
        got = results.get("format_version") if isinstance(results, dict) else None
        raise DataError(
            f"{path}: results format version {got!r}, expected {RESULTS_FORMAT_VERSION}; re-run the evaluation"
        )
    return results
