"""Rhetoric over time: an escalation index per group and period, with its uncertainty, from classified output.

Analysts ask whether a speaker's rhetoric is escalating this month, not what one
statement says. ``timeline`` reads any output of ``stance classify`` (JSONL,
CSV or Parquet) that carries a date and a grouping column, and gives per group
and period: the number of statements, the mean escalation index (weights in
``classifier.schema``) with a 95% bootstrap interval over statements, the mean
calibrated probability of each stance and the share of each predicted tone.
A period is flagged when its interval lies wholly above (``rise``) or below
(``fall``) the range of the trailing periods' indices; thin periods (few
statements) are never flagged and are greyed out on the plots.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.classified import failed_rows, read_classified, scores_of
from classifier.errors import DataError
from classifier.schema import ESCALATION_STANCE_WEIGHTS, ESCALATION_TONE_WEIGHTS, STANCES, TONES

FREQUENCIES = ("week", "month")  # weeks start on Monday, months on the 1st
MIN_STATEMENTS = 5  # fewer in a period: shown greyed out, never flagged
TRAILING_PERIODS = 8
BOOTSTRAP = 1000


@dataclass(frozen=True)
class Timeline:
    table: object  # pandas DataFrame: one row per group and period
    by: str
    freq: str
    skipped: dict[str, int]  # rows left out, by reason


def statement_index(stance: np.ndarray, tone: np.ndarray) -> np.ndarray:
    """The escalation index of each statement (the formula is in ``classifier.schema``)."""
    ws = np.array([ESCALATION_STANCE_WEIGHTS[s] for s in STANCES])
    wt = np.array([ESCALATION_TONE_WEIGHTS[t] for t in TONES])
    return stance @ ws + tone @ wt


def _interval(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    if len(values) < 2:
        return float("nan"), float("nan")
    means = rng.choice(values, size=(BOOTSTRAP, len(values)), replace=True).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def _flags(group) -> list[str]:
    flags = []
    for i, row in enumerate(group.itertuples()):
        before = group.iloc[max(0, i - TRAILING_PERIODS) : i]
        before = before[~before["thin"]]
        if row.thin or len(before) < 3:
            flags.append("")
        elif row.escalation_low > before["escalation_index"].max():
            flags.append("rise")
        elif row.escalation_high < before["escalation_index"].min():
            flags.append("fall")
        else:
            flags.append("")
    return flags


def build_timeline(path: str | Path, *, by: str = "speaker", freq: str = "month", seed: int = 0) -> Timeline:
    """The per-group, per-period table of a classified file."""
    import pandas as pd

    path = Path(path)
    if freq not in FREQUENCIES:
        raise DataError(f"freq must be one of {', '.join(FREQUENCIES)}, got {freq!r}")
    frame = read_classified(path)
    for column in ("date", by):
        if column not in frame.columns:
            raise DataError(
                f"{path}: no {column!r} column (columns: {', '.join(map(str, frame.columns))}); "
                "classify a file that carries it, or pick another with --by"
            )
    skipped: dict[str, int] = {}
    failed = failed_rows(frame)
    skipped["not classified (error rows)"] = int(failed.sum())
    frame = frame[~failed]
    # ISO 8601 in any of its forms (a day, a day and time, with or without zone), row by row
    dates = pd.to_datetime(frame["date"].astype(str), errors="coerce", utc=True, format="ISO8601").dt.tz_localize(None)
    skipped["no readable date"] = int(dates.isna().sum())
    frame, dates = frame[dates.notna()], dates[dates.notna()]
    skipped["no value in the --by column"] = int(frame[by].isna().sum())
    keep = frame[by].notna()
    frame, dates = frame[keep], dates[keep]
    if frame.empty:
        raise DataError(f"{path}: no classified rows with a date and a {by!r} value")
    stance, tone = scores_of(frame, path)
    index = statement_index(stance, tone)
    period = dates.dt.to_period("W-SUN" if freq == "week" else "M").dt.start_time
    work = pd.DataFrame({by: frame[by].astype(str).to_numpy(), "period": period.to_numpy(), "index": index})
    for j, s in enumerate(STANCES):
        work[f"p_{s}"] = stance[:, j]
    predicted = tone.argmax(1)
    for j, t in enumerate(TONES):
        work[f"tone_{t}"] = (predicted == j).astype(float)
    rng = np.random.default_rng(seed)
    rows = []
    for (group, start), part in work.groupby([by, "period"], sort=True):
        low, high = _interval(part["index"].to_numpy(), rng)
        rows.append(
            {
                by: group,
                "period": start.date().isoformat(),
                "n": len(part),
                "escalation_index": float(part["index"].mean()),
                "escalation_low": low,
                "escalation_high": high,
                **{c: float(part[c].mean()) for c in work.columns if c.startswith(("p_", "tone_"))},
            }
        )
    table = pd.DataFrame(rows)
    table["thin"] = table["n"] < MIN_STATEMENTS
    table["flag"] = ""
    for _, group in table.groupby(by, sort=False):
        table.loc[group.index, "flag"] = _flags(group)
    return Timeline(table, by, freq, {k: v for k, v in skipped.items() if v})


def read_events(path: str | Path) -> list[tuple[str, str]]:
    """(ISO date, label) pairs from a CSV or JSONL file with ``date`` and ``label`` (or ``event``) columns."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    frame = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_json(path, lines=True, dtype=False)
    label = "label" if "label" in frame.columns else "event" if "event" in frame.columns else None
    if "date" not in frame.columns or label is None:
        raise DataError(f"{path}: events need a 'date' and a 'label' (or 'event') column")
    return [(str(d)[:10], str(lab)) for d, lab in zip(frame["date"], frame[label], strict=True)]


def plot_timeline(timeline: Timeline, events: list[tuple[str, str]] = ()):
    """One row of panels per group: the index with its band, stacked stance shares, statements per period."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    table, by = timeline.table, timeline.by
    groups = list(dict.fromkeys(table[by]))
    fig, axes = plt.subplots(len(groups), 3, figsize=(15, 3.2 * len(groups)), squeeze=False, sharex=True)
    colours = plt.get_cmap("tab10").colors
    for row, group in zip(axes, groups, strict=True):
        part = table[table[by] == group]
        x = pd.to_datetime(part["period"])
        ax = row[0]
        ax.fill_between(x, part["escalation_low"], part["escalation_high"], alpha=0.25, color="tab:red")
        ax.plot(x, part["escalation_index"], color="tab:red", marker="o", markersize=3)
        thin = part["thin"].to_numpy()
        ax.scatter(x[thin], part["escalation_index"][thin], color="lightgrey", zorder=3, s=18, label="thin period")
        for flag, marker in (("rise", "^"), ("fall", "v")):
            hit = (part["flag"] == flag).to_numpy()
            ax.scatter(x[hit], part["escalation_index"][hit], marker=marker, s=70, color="black", zorder=4)
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.set_title(f"{group}: escalation index (95% band)")
        ax = row[1]
        mass = np.array([part[f"p_{s}"].to_numpy() for s in STANCES])
        shares = mass / np.maximum(mass.sum(axis=0, keepdims=True), 1e-9)  # statements carry several stances
        ax.stackplot(x, shares, labels=STANCES, colors=colours[: len(STANCES)], alpha=0.85)
        ax.set_ylim(0, 1)
        ax.set_title(f"{group}: stance shares (of probability mass)")
        ax = row[2]
        ax.bar(x, part["n"], width=5 if timeline.freq == "week" else 20, color=np.where(thin, "lightgrey", "tab:blue"))
        ax.set_title(f"{group}: statements")
        for ax in row:
            for date, label in events:
                ax.axvline(pd.Timestamp(date), color="purple", linestyle="--", linewidth=0.8)
                if ax is row[0]:
                    ax.annotate(
                        label,
                        (pd.Timestamp(date), 1),
                        xycoords=("data", "axes fraction"),
                        rotation=90,
                        fontsize=7,
                        va="top",
                        color="purple",
                    )
    axes[0][1].legend(loc="upper left", fontsize=7, ncol=2)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def write_timeline(timeline: Timeline, out_dir: str | Path, events: list[tuple[str, str]] = ()) -> dict[str, Path]:
    """``timeline.csv``, ``timeline.png`` and a self-contained ``timeline.html`` (the PNG inlined, no links)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "timeline.csv", "png": out / "timeline.png", "html": out / "timeline.html"}
    timeline.table.to_csv(paths["csv"], index=False, float_format="%.4f")
    fig = plot_timeline(timeline, events)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    paths["png"].write_bytes(buffer.getvalue())
    image = base64.b64encode(buffer.getvalue()).decode("ascii")
    flagged = timeline.table[timeline.table["flag"] != ""]
    rows = "".join(
        f"<tr><td>{html.escape(str(r[timeline.by]))}</td><td>{r['period']}</td><td>{r['n']}</td>"
        f"<td>{r['escalation_index']:.2f} [{r['escalation_low']:.2f}, {r['escalation_high']:.2f}]</td>"
        f"<td>{r['flag']}</td></tr>"
        for _, r in flagged.iterrows()
    )
    skipped = "; ".join(f"{v} {k}" for k, v in timeline.skipped.items()) or "none"
    weights = json.dumps({"stances": ESCALATION_STANCE_WEIGHTS, "tones": ESCALATION_TONE_WEIGHTS})
    paths["html"].write_text(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rhetoric timeline</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}img{{max-width:100%}}</style></head><body>
<h1>Rhetoric timeline by {html.escape(timeline.by)}, per {timeline.freq}</h1>
<p>Escalation index: the mean over a period's statements of the weighted calibrated probabilities
(weights <code>{html.escape(weights)}</code>), with a 95% bootstrap interval over statements. Periods with
fewer than {MIN_STATEMENTS} statements are grey and never flagged; a period is flagged when its interval lies
wholly above (rise) or below (fall) the indices of the {TRAILING_PERIODS} periods before it.
Rows left out: {html.escape(skipped)}.</p>
<img alt="escalation index, stance shares and volume per period" src="data:image/png;base64,{image}">
<h2>Flagged periods ({len(flagged)})</h2>
<table><tr><th>{html.escape(timeline.by)}</th><th>period</th><th>n</th><th>index [95%]</th><th>flag</th></tr>
{rows}</table></body></html>
""",
        encoding="utf-8",
    )
    return paths
