"""Pure metric functions: arrays in, numbers out. No files, no printing.

Headline figures carry 95% bootstrap intervals over statements. To make 1,000
resamples cheap, each metric is written as a function of per-statement counts
(true positives, false positives, false negatives, hits), which are summed
over a resample instead of re-running scikit-learn each time.
"""

from __future__ import annotations

import numpy as np

from classifier.schema import STANCES, TONES

N_RESAMPLES = 1000
CI_LEVEL = 0.95


def _f1(tp, fp, fn):
    tp, fp, fn = (np.asarray(a, dtype=float) for a in (tp, fp, fn))
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(denom), where=denom > 0)


def _safe_div(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros_like(b), where=b > 0)


def per_label_prf(gold: np.ndarray, pred: np.ndarray, labels: tuple[str, ...]) -> dict:
    gold, pred = gold.astype(bool), pred.astype(bool)
    tp = (gold & pred).sum(0)
    fp = (~gold & pred).sum(0)
    fn = (gold & ~pred).sum(0)
    p, r, f = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn), _f1(tp, fp, fn)
    return {
        label: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(gold[:, j].sum())}
        for j, label in enumerate(labels)
    }


# -- per-statement building blocks, summed over (re)samples ------------------


def _stance_parts(gold: np.ndarray, pred: np.ndarray, scores: np.ndarray) -> dict[str, np.ndarray]:
    gold, pred = gold.astype(bool), pred.astype(bool)
    tp, fp, fn = gold & pred, ~gold & pred, gold & ~pred
    top = np.argmax(scores, axis=1)
    return {
        "tp": tp.astype(float),
        "fp": fp.astype(float),
        "fn": fn.astype(float),
        "sample_f1": _f1(tp.sum(1), fp.sum(1), fn.sum(1)),
        "primary_hit": gold[np.arange(len(gold)), top].astype(float),
    }


def _tone_parts(gold: np.ndarray, pred: np.ndarray) -> dict[str, np.ndarray]:
    k = len(TONES)
    g, p = np.eye(k, dtype=bool)[gold], np.eye(k, dtype=bool)[pred]
    return {
        "tone_tp": (g & p).astype(float),
        "tone_fp": (~g & p).astype(float),
        "tone_fn": (g & ~p).astype(float),
        "tone_hit": (gold == pred).astype(float),
    }


def _macro_f1(tp, fp, fn) -> np.ndarray:
    """Mean F1 over the labels present in the gold data of each (re)sample.

    Presence is decided per resample: a rare label that a resample happens to
    leave out has no defined recall there, and counting it as F1 = 0 would
    drag every such resample (and so the interval) down.
    """
    present = (tp + fn) > 0
    f1 = _f1(tp, fp, fn)
    return _safe_div((f1 * present).sum(-1), present.sum(-1))


def _headline_from_sums(s: dict[str, np.ndarray], n: np.ndarray) -> dict[str, np.ndarray]:
    """Headline metrics from summed parts; works on one sum or a batch of resample sums."""
    tp, fp, fn = s["tp"], s["fp"], s["fn"]
    out = {
        "stance.micro_f1": _f1(tp.sum(-1), fp.sum(-1), fn.sum(-1)),
        "stance.macro_f1": _macro_f1(tp, fp, fn),
        "stance.samples_f1": s["sample_f1"] / n,
        "primary_stance_accuracy": s["primary_hit"] / n,
    }
    if "primary_exact_hit" in s:
        out["primary_stance_exact"] = s["primary_exact_hit"] / n
    if "tone_tp" in s:
        out["tone.accuracy"] = s["tone_hit"] / n
        out["tone.macro_f1"] = _macro_f1(s["tone_tp"], s["tone_fp"], s["tone_fn"])
    return out


def headline_parts(
    stance_gold, stance_pred, stance_scores, tone_gold=None, tone_pred=None, *, primary_gold=None, primary_pred=None
) -> dict:
    """Per-statement parts of every headline metric.

    ``primary_gold``/``primary_pred`` are stance indices of the gold primary
    (first listed) stance and the predicted primary stance. The multi-hot
    matrices cannot carry them because they lose the order of the labels;
    when given, ``primary_stance_exact`` (predicted primary == gold primary)
    joins the headline metrics.
    """
    parts = _stance_parts(stance_gold, stance_pred, stance_scores)
    if tone_gold is not None:
        parts.update(_tone_parts(np.asarray(tone_gold), np.asarray(tone_pred)))
    if primary_gold is not None:
        parts["primary_exact_hit"] = (np.asarray(primary_gold) == np.asarray(primary_pred)).astype(float)
    return parts


def headline(parts: dict) -> dict[str, float]:
    """Headline metrics on all statements; macro averages run over labels present in the gold data."""
    n = len(parts["primary_hit"])
    sums = {k: v.sum(0) for k, v in parts.items()}
    return {k: float(v) for k, v in _headline_from_sums(sums, np.asarray(n)).items()}


def subset_parts(parts: dict, mask: np.ndarray) -> dict:
    """The parts of the statements selected by a boolean mask or index array (for breakdowns)."""
    return {k: v[mask] for k, v in parts.items()}


def bootstrap_indices(n: int, *, n_resamples: int = N_RESAMPLES, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))


def bootstrap_headline(parts: dict, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Each headline metric on every resample (arrays of length n_resamples)."""
    sums = {k: v[idx].sum(1) for k, v in parts.items()}
    return _headline_from_sums(sums, np.asarray(idx.shape[1]))


def interval(samples: np.ndarray, level: float = CI_LEVEL) -> list[float]:
    alpha = (1 - level) / 2
    return [float(np.quantile(samples, alpha)), float(np.quantile(samples, 1 - alpha))]


def paired_difference(
    point_a: float, point_b: float, samples_a: np.ndarray, samples_b: np.ndarray, level: float = CI_LEVEL
) -> dict:
    """B − A with a paired bootstrap interval; both sample arrays must come from the same resample indices.

    Pairing matters: both models see the same resampled statements, so the
    interval reflects how much the *gap* varies, which is much less than the
    two separate intervals suggest when the models err on the same statements.
    ``p_value`` is the two-sided bootstrap proportion of resamples on the other
    side of zero; ``significant`` means the interval excludes zero.
    """
    diffs = np.asarray(samples_b, dtype=float) - np.asarray(samples_a, dtype=float)
    lo, hi = interval(diffs, level)
    p = min(1.0, 2 * min(float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0)))) if len(diffs) else 1.0
    return {
        "a": float(point_a),
        "b": float(point_b),
        "diff": float(point_b - point_a),
        "ci95": [lo, hi],
        "p_value": p,
        "significant": bool(lo > 0 or hi < 0),
    }


# -- threshold-free and calibration metrics ---------------------------------


def average_precision(gold: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    from sklearn.metrics import average_precision_score

    out: dict[str, float | None] = {}
    for j, label in enumerate(STANCES):
        out[label] = float(average_precision_score(gold[:, j], scores[:, j])) if gold[:, j].any() else None
    return out


def macro_average_precision(per_label: dict[str, float | None]) -> float | None:
    """Mean average precision over labels present in the gold data (None when none is)."""
    values = [v for v in per_label.values() if v is not None]
    return float(np.mean(values)) if values else None


def reliability(probs: np.ndarray, outcomes: np.ndarray, n_bins: int = 10) -> dict:
    """Expected calibration error with equal-width bins, plus the bins for a diagram."""
    probs, outcomes = np.asarray(probs, dtype=float), np.asarray(outcomes, dtype=float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        mask = which == b
        if not mask.any():
            continue
        conf, acc, count = float(probs[mask].mean()), float(outcomes[mask].mean()), int(mask.sum())
        ece += count / len(probs) * abs(conf - acc)
        bins.append(
            {"lo": float(edges[b]), "hi": float(edges[b + 1]), "confidence": conf, "accuracy": acc, "count": count}
        )
    return {"ece": float(ece), "bins": bins}


def stance_calibration(gold: np.ndarray, scores: np.ndarray) -> dict:
    per_label = {label: reliability(scores[:, j], gold[:, j]) for j, label in enumerate(STANCES)}
    pooled = reliability(scores.ravel(), gold.ravel())
    return {"ece": pooled["ece"], "bins": pooled["bins"], "per_label": per_label}


def tone_calibration(gold: np.ndarray, scores: np.ndarray) -> dict:
    """Top-label calibration: confidence of the predicted tone against whether it was right."""
    pred = scores.argmax(1)
    return reliability(scores.max(1), (pred == gold).astype(float))


def confusion(gold: np.ndarray, pred: np.ndarray) -> list[list[int]]:
    k = len(TONES)
    out = np.zeros((k, k), dtype=int)
    np.add.at(out, (gold, pred), 1)
    return out.tolist()


def summarise(
    stance_gold,
    stance_pred,
    stance_scores,
    tone_gold,
    tone_pred,
    *,
    n_resamples: int = 0,
    seed: int = 0,
    primary_gold=None,
    primary_pred=None,
    parts: dict | None = None,
) -> dict:
    """The ``metrics.json`` structure for one model on one data set.

    ``parts`` are the per-statement counts from ``headline_parts`` on the same
    arguments, for a caller that already has them (the harness bootstraps them too).

    ``primary_stance_accuracy`` counts a hit when the top-scored stance is any
    of the gold stances. With ``primary_gold``/``primary_pred`` (stance
    indices) the stricter ``primary_stance_exact`` is added: the predicted
    primary stance equals the gold primary stance.
    """
    tone_gold, tone_pred = np.asarray(tone_gold), np.asarray(tone_pred)
    if parts is None:
        parts = headline_parts(
            stance_gold,
            stance_pred,
            stance_scores,
            tone_gold,
            tone_pred,
            primary_gold=primary_gold,
            primary_pred=primary_pred,
        )
    head = headline(parts)
    out = {
        "n": len(tone_gold),
        "stance": {
            "micro_f1": head["stance.micro_f1"],
            "macro_f1": head["stance.macro_f1"],
            "samples_f1": head["stance.samples_f1"],
            "per_label": per_label_prf(stance_gold, stance_pred, STANCES),
        },
        "tone": {
            "accuracy": head["tone.accuracy"],
            "macro_f1": head["tone.macro_f1"],
            "per_label": per_label_prf(np.eye(len(TONES))[tone_gold], np.eye(len(TONES))[tone_pred], TONES),
            "confusion_matrix": {"labels": list(TONES), "rows_gold_cols_predicted": confusion(tone_gold, tone_pred)},
        },
        "primary_stance_accuracy": head["primary_stance_accuracy"],
    }
    if "primary_stance_exact" in head:
        out["primary_stance_exact"] = head["primary_stance_exact"]
    if n_resamples:
        samples = bootstrap_headline(parts, bootstrap_indices(len(tone_gold), n_resamples=n_resamples, seed=seed))
        out["ci95"] = {k: interval(v) for k, v in samples.items()}
    return out
