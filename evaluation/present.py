"""Names, explanations and number formats shared by every report.

The Markdown report, the HTML report and the terminal summary must say the
same thing in the same words; keeping the display names and the rounding here
means a metric cannot be called one thing in one report and another elsewhere.
"""

from __future__ import annotations

import math

#: headline metric key -> (display name, one-line explanation for non-specialists)
HEADLINE_METRICS: dict[str, tuple[str, str]] = {
    "stance.macro_f1": (
        "Stance macro-F1",
        "F1 averaged over the stance labels, each counting equally, so rare "
        "stances weigh as much as common ones. The main criterion.",
    ),
    "stance.micro_f1": (
        "Stance micro-F1",
        "F1 over all (statement, stance) decisions pooled; dominated by the common stances.",
    ),
    "stance.samples_f1": (
        "Stance samples-F1",
        "F1 of each statement's predicted stance set against its gold set, averaged over statements.",
    ),
    "primary_stance_exact": (
        "Primary stance exact",
        "Share of statements whose predicted primary (first) stance is the gold primary stance.",
    ),
    "primary_stance_accuracy": (
        "Top stance is gold",
        "Share of statements whose highest-scored stance is one of the gold stances (primary or not).",
    ),
    "tone.accuracy": ("Tone accuracy", "Share of statements with the gold tone."),
    "tone.macro_f1": ("Tone macro-F1", "F1 averaged over the five tones, each counting equally."),
}
MAIN_CRITERION = "stance.macro_f1"
SECOND_CRITERION = "tone.macro_f1"

ERROR_TYPES = {
    "false_stance": "predicted, not gold",
    "missed_stance": "gold, not predicted",
    "wrong_tone": "wrong tone",
}


def metric_value(metrics: dict, key: str) -> float | None:
    """A headline value from a metrics dict by its dotted key (``stance.macro_f1``)."""
    node = metrics
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, int | float) else None


def metric_ci(metrics: dict, key: str) -> list[float] | None:
    return (metrics.get("ci95") or {}).get(key)


def metric_name(key: str) -> str:
    return HEADLINE_METRICS.get(key, (key, ""))[0]


def num(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "–"
    return f"{value:+.{digits}f}".replace("-", "−")


def pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def ci_text(ci: list[float] | None, digits: int = 3, *, sign: bool = False) -> str:
    if not ci:
        return ""
    fmt = signed if sign else num
    return f"[{fmt(ci[0], digits)}, {fmt(ci[1], digits)}]"


def value_with_ci(metrics: dict, key: str, digits: int = 3) -> str:
    text = num(metric_value(metrics, key), digits)
    ci = metric_ci(metrics, key)
    return f"{text} {ci_text(ci, digits)}" if ci else text


def model_label(model: dict) -> str:
    """How a model is named in every report: its directory name and its kind."""
    return model["name"] if model["name"] == model["kind"] else f"{model['name']} ({model['kind']})"


def label_list(labels: list[str] | None) -> str:
    return ", ".join(labels or []) or "–"


def difference_cells(key: str, d: dict) -> list:
    """Metric, A, B, B - A, interval and p-value of one paired comparison (shared by both reports)."""
    return [
        metric_name(key),
        num(d["a"]),
        num(d["b"]),
        signed(d["diff"]),
        ci_text(d["ci95"], sign=True),
        num(d["p_value"]),
    ]
