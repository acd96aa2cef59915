"""Figures for the HTML report, as PNG bytes.

Each function takes plain numbers (already picked out of the results dict)
and returns a PNG. Figures are drawn on an explicit Agg canvas rather than
through ``pyplot``: nothing global (the backend, rcParams, the current
figure) changes, at import or when called, so the harness can run inside a
notebook or a GUI without side effects.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

#: Okabe-Ito: distinguishable with the common forms of colour blindness
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DPI = 100


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)


def interval_plot(
    metric_names: Sequence[str],
    series: dict[str, Sequence[tuple[float, list[float] | None]]],
    *,
    title: str = "",
    xlabel: str = "score",
) -> bytes:
    """Point estimates with 95% intervals: one row per metric, one colour per model."""
    k = len(series)
    fig = _figure(8, 0.32 * len(metric_names) * (1 + 0.5 * (k - 1)) + 1.3)
    ax = fig.add_subplot()
    offsets = np.linspace(-0.22, 0.22, k) if k > 1 else [0.0]
    ends = [v for points in series.values() for value, ci in points for v in ([value, *list(ci or [])])]
    # zoom to the data (with a margin), never beyond [0, 1]: the gaps between models are what matter here
    lo_lim, hi_lim = max(0.0, min(ends) - 0.05), min(1.0, max(ends) + 0.05)
    for i, (label, points) in enumerate(series.items()):
        y = np.arange(len(metric_names)) + offsets[i]
        values = np.array([p[0] for p in points], dtype=float)
        lo = np.array([p[0] - p[1][0] if p[1] else 0.0 for p in points])
        hi = np.array([p[1][1] - p[0] if p[1] else 0.0 for p in points])
        ax.errorbar(values, y, xerr=[lo, hi], fmt="o", color=PALETTE[i % len(PALETTE)], capsize=3, label=label)
    ax.set_yticks(range(len(metric_names)), metric_names)
    ax.invert_yaxis()
    ax.set_xlim(lo_lim, hi_lim)
    ax.set_xlabel(xlabel)
    _style(ax)
    if title:
        ax.set_title(title, loc="left")
    if k > 1:
        fig.legend(loc="outside upper right", ncols=min(k, 4), frameon=False)
    return _png(fig)


def difference_plot(
    metric_names: Sequence[str], diffs: Sequence[tuple[float, list[float] | None, bool]], *, title: str = ""
) -> bytes:
    """Paired differences B − A with intervals; a dashed line at zero, significant ones filled."""
    fig = _figure(8, 0.5 * len(metric_names) + 1.3)
    ax = fig.add_subplot()
    for row, (diff, ci, significant) in enumerate(diffs):
        color = PALETTE[0] if diff >= 0 else PALETTE[5]
        xerr = [[diff - ci[0]], [ci[1] - diff]] if ci else None
        ax.errorbar(
            [diff], [row], xerr=xerr, fmt="o", color=color, capsize=3, markerfacecolor=color if significant else "white"
        )
    ax.axvline(0, color="#444444", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(metric_names)), metric_names)
    ax.invert_yaxis()
    span = max([abs(v) for d in diffs for v in ([d[0], *list(d[1] or [])])] + [0.05]) * 1.15
    ax.set_xlim(-span, span)
    ax.set_xlabel("difference (filled: interval excludes 0)")
    _style(ax)
    if title:
        ax.set_title(title, loc="left")
    return _png(fig)


def grouped_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str = "",
    ylabel: str = "F1",
    annotations: Sequence[str] | None = None,
) -> bytes:
    """Grouped vertical bars: one group per category (label or check), one bar per model."""
    k = max(1, len(series))
    fig = _figure(max(6.0, 0.35 * len(categories) * k + 2), 3.8)
    ax = fig.add_subplot()
    width = 0.8 / k
    x = np.arange(len(categories))
    for i, (label, values) in enumerate(series.items()):
        heights = [np.nan if v is None else v for v in values]
        ax.bar(x - 0.4 + width * (i + 0.5), heights, width, label=label, color=PALETTE[i % len(PALETTE)])
    labels = [f"{c}\n{a}" for c, a in zip(categories, annotations, strict=True)] if annotations else list(categories)
    ax.set_xticks(
        x,
        labels,
        rotation=30 if len(categories) > 5 else 0,
        ha="right" if len(categories) > 5 else "center",
        fontsize=8,
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, loc="left")
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8, ncols=min(k, 4))
    return _png(fig)


def confusion_heatmap(matrix: Sequence[Sequence[int]], labels: Sequence[str], *, title: str = "") -> bytes:
    """Counts annotated; colour is the share of each gold row, so rare tones are as readable as common ones."""
    counts = np.asarray(matrix, dtype=float)
    rows = counts.sum(1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    fig = _figure(5.6, 4.6)
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(
                j,
                i,
                str(int(counts[i, j])),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if share[i, j] > 0.6 else "#222222",
            )
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted tone")
    ax.set_ylabel("gold tone")
    fig.colorbar(image, ax=ax, shrink=0.9, label="share of gold row")
    if title:
        ax.set_title(title, loc="left")
    return _png(fig)


def _reliability_panel(ax, bins: Sequence[dict], ece: float, title: str, color: str) -> None:
    ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", linewidth=1, label="perfect calibration")
    if bins:
        conf = [b["confidence"] for b in bins]
        acc = [b["accuracy"] for b in bins]
        counts = np.array([b["count"] for b in bins], dtype=float)
        sizes = 20 + 180 * counts / counts.max()
        ax.plot(conf, acc, color=color, linewidth=1.2)
        ax.scatter(conf, acc, s=sizes, color=color, alpha=0.8, label="bins (size: statements)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title(f"{title}\nECE {ece:.3f}", loc="left", fontsize=10)
    ax.grid(color="#eeeeee")
    ax.legend(loc="upper left", fontsize=7, frameon=False)


def reliability_diagram(stance: dict, tone: dict, *, title: str = "", color: str = PALETTE[0]) -> bytes:
    """Two panels: stance (all labels pooled) and tone (top label), each with its ECE."""
    fig = _figure(9, 4.4)
    left, right = fig.subplots(1, 2)
    _reliability_panel(left, stance["bins"], stance["ece"], "Stance (all labels pooled)", color)
    _reliability_panel(right, tone["bins"], tone["ece"], "Tone (predicted tone's probability)", color)
    if title:
        fig.suptitle(title, x=0.02, ha="left", fontsize=11)
    return _png(fig)
