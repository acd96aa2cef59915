"""The metric sections of ``report.html``: verdict, headline metrics, differences, per label,
tone confusion, calibration and breakdowns by group.

Each ``*_section`` function takes the results dict and returns one ``<section>``.
"""

from __future__ import annotations

from evaluation import plots
from evaluation.breakdowns import SMALL_GROUP
from evaluation.html_blocks import Raw, esc, figure, help_text, model_labels, model_metrics, table
from evaluation.present import (
    HEADLINE_METRICS,
    difference_cells,
    metric_ci,
    metric_name,
    metric_value,
    num,
    value_with_ci,
)
from evaluation.verdict import explain


def _badge(significant: bool, has_ci: bool) -> Raw:
    if not has_ci:
        return Raw('<span class="no">unknown</span>')
    return Raw('<span class="yes">significant</span>' if significant else '<span class="no">not significant</span>')


def _headline_keys(results: dict) -> list[str]:
    first = model_metrics(results, results["model_names"][0])
    return [k for k in HEADLINE_METRICS if metric_value(first, k) is not None]


def _difference_table(comp: dict, a: str, b: str) -> str:
    """One paired comparison (B − A) as a table, shared by the differences and the slices sections."""
    rows = [[*difference_cells(k, d), _badge(d["significant"], bool(d["ci95"]))] for k, d in comp["metrics"].items()]
    return table(
        ["Metric", f"A: {a}", f"B: {b}", "B − A", "95% interval", "p", "Verdict"], rows, numeric={1, 2, 3, 4, 5}
    )


def verdict_section(results: dict) -> str:
    v = explain(results)
    reasons = "".join(f"<li>{esc(r)}</li>" for r in v["reasons"])
    caveats = "".join(f"<li>{esc(c)}</li>" for c in v["caveats"] if c not in results.get("warnings", []))
    keys = _headline_keys(results)
    series = {
        shown: [(metric_value(model_metrics(results, n), k), metric_ci(model_metrics(results, n), k)) for k in keys]
        for n, shown in model_labels(results).items()
    }
    png = plots.interval_plot([metric_name(k) for k in keys], series, title="Headline metrics with 95% intervals")
    return (
        f'<section id="verdict"><h2>Verdict</h2><div class="verdict"><p class="headline">{esc(v["summary"])}</p>'
        + (f"<ul>{reasons}</ul>" if reasons else "")
        + (f"<p><b>Caveats</b></p><ul>{caveats}</ul>" if caveats else "")
        + "</div>"
        + help_text(
            "The rule: stance macro-F1 decides; among models that cannot be told apart on it, a model "
            "significantly better on tone macro-F1 wins, else one at least 2x faster, else the best point "
            "estimate. 'Significant' means the 95% paired bootstrap interval of the difference excludes zero."
        )
        + figure(
            png,
            "Headline metrics per model with 95% intervals",
            "Dots are point estimates; bars are 95% bootstrap intervals. Overlapping bars do not by "
            "themselves mean 'no difference': see the paired differences below.",
        )
        + "</section>"
    )


def headline_section(results: dict) -> str:
    labels = model_labels(results)
    rows = [
        [metric_name(k)] + [value_with_ci(model_metrics(results, n), k) for n in labels] + [HEADLINE_METRICS[k][1]]
        for k in _headline_keys(results)
    ]
    timing = [
        ["Inference time per statement"]
        + [f"{1000 * results['models'][n]['inference_seconds'] / max(results['data']['n'], 1):.2f} ms" for n in labels]
        + ["Wall-clock time to score the evaluation set, divided by its size."]
    ]
    return (
        '<section id="headline"><h2>Headline metrics</h2>'
        + help_text(
            "Each cell: point estimate [95% bootstrap interval]. All figures are between 0 and 1; higher is better."
        )
        + table(
            ["Metric", *labels.values(), "What it measures"],
            rows + timing,
            numeric=set(range(1, len(labels) + 1)),
            text={len(labels) + 1},
        )
        + "</section>"
    )


def differences_section(results: dict) -> str:
    if not results["comparisons"]:
        return (
            '<section id="differences"><h2>Differences</h2>'
            + help_text("Only one model was evaluated; there is nothing to compare.")
            + "</section>"
        )
    labels = model_labels(results)
    out = [
        '<section id="differences"><h2>Differences between models</h2>',
        help_text(
            "B − A computed on the same resampled statements (a paired bootstrap), so the interval reflects "
            "the uncertainty of the gap itself. Intervals are per metric and not corrected for multiple "
            "comparisons."
        ),
    ]
    for comp in results["comparisons"]:
        a, b = labels[comp["a"]], labels[comp["b"]]
        out.append(f"<h3>{esc(b)} − {esc(a)}</h3>")
        out.append(_difference_table(comp, a, b))
        diffs = [(d["diff"], d["ci95"], d["significant"]) for d in comp["metrics"].values()]
        png = plots.difference_plot([metric_name(k) for k in comp["metrics"]], diffs, title=f"{b} − {a}")
        out.append(
            figure(
                png,
                f"Paired differences {b} minus {a}",
                f"Right of the dashed line: {b} is better; left: {a} is better.",
            )
        )
    return "".join(out) + "</section>"


def slices_section(results: dict) -> str:
    """Headline figures and paired differences on the real-derived and non-Iranian slices."""
    slices = results.get("slices") or {}
    out = ['<section id="slices"><h2>Slices</h2>']
    if not slices:
        out.append(help_text("The evaluation data has no real-derived or non-Iranian statements to slice by."))
        return "".join(out) + "</section>"
    labels = model_labels(results)
    out.append(
        help_text(
            "The same predictions on the statements most like what users paste: those derived from real "
            "statements, and those by speakers outside the Iranian state. Each slice has its own bootstrap."
        )
    )
    for slice_name, block in slices.items():
        out.append(f"<h3>{esc(slice_name)} ({block['n']} statements)</h3>")
        first = block["models"][results["model_names"][0]]
        keys = [k for k in HEADLINE_METRICS if metric_value(first, k) is not None]
        rows = [[metric_name(k)] + [value_with_ci(block["models"][n], k) for n in labels] for k in keys]
        out.append(table(["Metric", *labels.values()], rows, numeric=set(range(1, len(labels) + 1))))
        for comp in block["comparisons"]:
            a, b = labels[comp["a"]], labels[comp["b"]]
            out.append(f"<p>{esc(b)} − {esc(a)}</p>")
            out.append(_difference_table(comp, a, b))
    return "".join(out) + "</section>"


def per_label_section(results: dict) -> str:
    labels = model_labels(results)
    out = [
        '<section id="per-label"><h2>Per-label results</h2>',
        help_text(
            "F1 balances precision (how often a predicted label is right) and recall (how many gold labels are "
            "found). Support is the number of evaluation statements with the label; labels with small support "
            "have unreliable figures."
        ),
    ]
    for task, title in (("stance", "Stances"), ("tone", "Tones")):
        first = model_metrics(results, results["model_names"][0])[task]["per_label"]
        series = {
            shown: [model_metrics(results, n)[task]["per_label"][lab]["f1"] for lab in first]
            for n, shown in labels.items()
        }
        png = plots.grouped_bars(
            list(first),
            series,
            title=f"{title}: F1 per label",
            annotations=[f"n={first[lab]['support']}" for lab in first],
        )
        out += [f"<h3>{title}</h3>", figure(png, f"{title}: F1 per label and model")]
        header = ["Label", "Support"]
        for shown in labels.values():
            header += [f"{shown} P", f"{shown} R", f"{shown} F1"] + ([f"{shown} AP"] if task == "stance" else [])
        rows = []
        for lab in first:
            row = [lab, first[lab]["support"]]
            for n in labels:
                m = model_metrics(results, n)[task]
                v = m["per_label"][lab]
                row += [num(v["precision"]), num(v["recall"]), num(v["f1"])]
                if task == "stance":
                    row.append(num((m.get("average_precision") or {}).get(lab)))
            rows.append(row)
        out.append(table(header, rows, numeric=set(range(1, len(header)))))
        if task == "stance":
            out.append(
                help_text(
                    "AP (average precision) ranks statements by the model's score for the label, "
                    "independent of the decision threshold; it shows whether a low F1 is a ranking "
                    "problem or a threshold problem."
                )
            )
    return "".join(out) + "</section>"


def confusion_section(results: dict) -> str:
    figs = []
    for n, shown in model_labels(results).items():
        cm = model_metrics(results, n)["tone"]["confusion_matrix"]
        png = plots.confusion_heatmap(cm["rows_gold_cols_predicted"], cm["labels"], title=shown)
        figs.append(figure(png, f"Tone confusion matrix for {shown}"))
    return (
        '<section id="confusion"><h2>Tone confusion matrices</h2>'
        + help_text(
            "Rows are the gold tone, columns the predicted tone; numbers are statements. The diagonal is "
            "correct. Colour shows the share of each gold row, so a pale diagonal cell on a rare tone is as "
            "visible as one on a common tone."
        )
        + f'<div class="grid">{"".join(figs)}</div></section>'
    )


def calibration_section(results: dict) -> str:
    labels = model_labels(results)
    first = model_metrics(results, results["model_names"][0])["calibration"]["stance"]["per_label"]
    rows = [
        ["Stance, all labels pooled"]
        + [num(model_metrics(results, n)["calibration"]["stance"]["ece"]) for n in labels],
        ["Tone, predicted tone"] + [num(model_metrics(results, n)["calibration"]["tone"]["ece"]) for n in labels],
    ]
    rows += [
        [f"Stance: {lab}"]
        + [num(model_metrics(results, n)["calibration"]["stance"]["per_label"][lab]["ece"]) for n in labels]
        for lab in first
    ]
    figs = [
        figure(
            plots.reliability_diagram(
                model_metrics(results, n)["calibration"]["stance"],
                model_metrics(results, n)["calibration"]["tone"],
                title=shown,
                color=plots.PALETTE[i % len(plots.PALETTE)],
            ),
            f"Reliability diagrams for {shown}",
        )
        for i, (n, shown) in enumerate(labels.items())
    ]
    return (
        '<section id="calibration"><h2>Calibration</h2>'
        + help_text(
            "Are the probabilities honest? When a model says 80%, it should be right about 80% of the time. "
            "ECE (expected calibration error) is the average gap between stated probability and observed "
            "frequency over 10 bins; 0 is perfect. In the diagrams, points on the dashed diagonal are "
            "well calibrated; below it the model is over-confident."
        )
        + table(["ECE (lower is better)", *labels.values()], rows, numeric=set(range(1, len(labels) + 1)))
        + "".join(figs)
        + "</section>"
    )


def breakdowns_section(results: dict) -> str:
    out = ['<section id="breakdowns"><h2>Breakdowns by group</h2>']
    if not results["breakdowns"]:
        return (
            "".join(out)
            + help_text("The evaluation data has no speaker, date, form or hard-case fields.")
            + "</section>"
        )
    out.append(
        help_text(
            f"The same metrics within each group. Groups under {SMALL_GROUP} statements are greyed: "
            "their figures can swing widely with one or two statements."
        )
    )
    titles = {
        "speaker": "By speaker",
        "year": "By year",
        "form": "By form of statement",
        "length": "By length in words",
        "hard_cases": "By hard-case tag (a statement can carry several)",
    }
    keys = ("stance.macro_f1", "stance.micro_f1", "primary_stance_exact", "tone.accuracy", "tone.macro_f1")
    labels = model_labels(results)
    for field, block in results["breakdowns"].items():
        header = ["Group", "n"] + [f"{shown}: {metric_name(k)}" for shown in labels.values() for k in keys]
        rows = []
        for group, size in block["groups"].items():
            name = Raw(f'<span class="small">{esc(group)}</span>') if size < SMALL_GROUP else group
            rows.append([name, size] + [num(block["models"][n][group].get(k)) for n in labels for k in keys])
        out += [f"<h3>{esc(titles.get(field, field))}</h3>", table(header, rows, numeric=set(range(1, len(header))))]
    return "".join(out) + "</section>"
