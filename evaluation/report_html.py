"""``report.html``: one self-contained page, rendered only from the results dict.

Written for a reader who is not a programmer: the recommendation and its
evidence come first, every table has a sentence saying how to read it, and
figures are embedded as base64 PNG so the file can be mailed or archived and
opened offline. There is no script, no external stylesheet, font or image.
Every piece of text from the data (statements, ids, paths, labels) goes
through ``html.escape``; table cells are escaped unless explicitly marked raw.
"""

from __future__ import annotations

import base64
import html

from evaluation import plots
from evaluation.breakdowns import SMALL_GROUP
from evaluation.present import (
    ERROR_TYPES,
    HEADLINE_METRICS,
    ci_text,
    label_list,
    metric_ci,
    metric_name,
    metric_value,
    model_label,
    num,
    pct,
    signed,
    value_with_ci,
)

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d2125;margin:0;
 background:#f6f7f9;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:1.7em;margin:0.2em 0}h2{border-bottom:2px solid #e3e6ea;padding-bottom:4px;margin-top:2em}
h3{margin-top:1.4em}nav{font-size:0.92em;margin:12px 0 8px}nav a{margin-right:14px;color:#0b5cad}
.meta{color:#555;font-size:0.92em}.meta li{margin:2px 0}
.verdict{border-left:6px solid #0072B2;background:#eef5fb;padding:14px 18px;margin:18px 0}
.verdict .headline{font-size:1.25em;font-weight:600;margin:0 0 8px}
.warning{border-left:6px solid #D55E00;background:#fdf1ea;padding:10px 16px;margin:10px 0}
.help{color:#555;font-size:0.92em;max-width:60em}
table{border-collapse:collapse;margin:8px 0 18px;font-size:0.9em}
th,td{border:1px solid #dde1e6;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f0f2f5}tr:nth-child(even) td{background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.text{min-width:22em;max-width:40em;font-size:0.95em;white-space:pre-line}
.yes{color:#fff;background:#1a7f37;padding:1px 6px;border-radius:3px}
.no{color:#333;background:#e3e6ea;padding:1px 6px;border-radius:3px}
.ok{color:#1a7f37}.bad{color:#b42318}.small{color:#777}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.grid{display:flex;flex-wrap:wrap;gap:16px}.grid figure{margin:0;flex:1 1 480px}
figcaption{font-size:0.9em;color:#555}
details{margin:6px 0 12px}summary{cursor:pointer;color:#0b5cad}
"""

SECTIONS = (
    ("verdict", "Verdict"),
    ("headline", "Headline metrics"),
    ("differences", "Differences"),
    ("per-label", "Per label"),
    ("confusion", "Tone confusion"),
    ("calibration", "Calibration"),
    ("breakdowns", "Breakdowns"),
    ("behaviour", "Behaviour checks"),
    ("errors", "Errors"),
    ("disagreements", "Disagreements"),
)


class Raw(str):
    """A table cell that is already HTML (built here from escaped parts); everything else is escaped."""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _cell(value, css: str = "") -> str:
    content = value if isinstance(value, Raw) else _e(value)
    return f'<td class="{css}">{content}</td>' if css else f"<td>{content}</td>"


def _table(
    header: list[str],
    rows: list[list],
    numeric: set[int] | frozenset = frozenset(),
    text: set[int] | frozenset = frozenset(),
) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(_cell(c, "num" if i in numeric else "text" if i in text else "") for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" alt="{_e(alt)}">'


def _figure(png: bytes, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure>{_img(png, alt)}{cap}</figure>"


def _help(text: str) -> str:
    return f'<p class="help">{_e(text)}</p>'


def _badge(significant: bool, has_ci: bool) -> Raw:
    if not has_ci:
        return Raw('<span class="no">unknown</span>')
    return Raw('<span class="yes">significant</span>' if significant else '<span class="no">not significant</span>')


def _labels(results: dict) -> dict[str, str]:
    return {name: model_label(results["models"][name]) for name in results["model_names"]}


def _m(results: dict, name: str) -> dict:
    return results["models"][name]["metrics"]


def _headline_keys(results: dict) -> list[str]:
    first = _m(results, results["model_names"][0])
    return [k for k in HEADLINE_METRICS if metric_value(first, k) is not None]


# -- sections -------------------------------------------------------------------


def _header(results: dict) -> str:
    data, settings = results["data"], results["settings"]
    models = "".join(
        f"<li><b>{_e(model_label(m))}</b>: <code>{_e(m['path'])}</code></li>" for m in results["models"].values()
    )
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title in SECTIONS)
    warnings = "".join(f'<div class="warning"><b>Warning:</b> {_e(w)}</div>' for w in results.get("warnings", []))
    return (
        f'<h1>Stance and tone evaluation</h1><ul class="meta">'
        f"<li>Data: <code>{_e(data['path'])}</code>: {_e(data['note'])}.</li>"
        f"<li>Models:<ul>{models}</ul></li>"
        f"<li>95% intervals from {settings['n_resamples']} bootstrap resamples of the statements "
        f"(seed {settings['seed']}), the same resamples for every model.</li>"
        f"<li>Generated {_e(results['created_at'])}.</li></ul><nav>{nav}</nav>{warnings}"
    )


def _verdict(results: dict) -> str:
    v = results["verdict"]
    reasons = "".join(f"<li>{_e(r)}</li>" for r in v["reasons"])
    caveats = "".join(f"<li>{_e(c)}</li>" for c in v["caveats"] if c not in results.get("warnings", []))
    keys = _headline_keys(results)
    series = {
        shown: [(metric_value(_m(results, n), k), metric_ci(_m(results, n), k)) for k in keys]
        for n, shown in _labels(results).items()
    }
    png = plots.interval_plot([metric_name(k) for k in keys], series, title="Headline metrics with 95% intervals")
    return (
        f'<section id="verdict"><h2>Verdict</h2><div class="verdict"><p class="headline">{_e(v["summary"])}</p>'
        + (f"<ul>{reasons}</ul>" if reasons else "")
        + (f"<p><b>Caveats</b></p><ul>{caveats}</ul>" if caveats else "")
        + "</div>"
        + _help(
            "The rule: stance macro-F1 decides; among models that cannot be told apart on it, a model "
            "significantly better on tone macro-F1 wins, else one at least 2x faster, else the best point "
            "estimate. 'Significant' means the 95% paired bootstrap interval of the difference excludes zero."
        )
        + _figure(
            png,
            "Headline metrics per model with 95% intervals",
            "Dots are point estimates; bars are 95% bootstrap intervals. Overlapping bars do not by "
            "themselves mean 'no difference': see the paired differences below.",
        )
        + "</section>"
    )


def _headline(results: dict) -> str:
    labels = _labels(results)
    rows = [
        [metric_name(k)] + [value_with_ci(_m(results, n), k) for n in labels] + [HEADLINE_METRICS[k][1]]
        for k in _headline_keys(results)
    ]
    timing = [
        ["Inference time per statement"]
        + [f"{1000 * results['models'][n]['inference_seconds'] / max(results['data']['n'], 1):.2f} ms" for n in labels]
        + ["Wall-clock time to score the evaluation set, divided by its size."]
    ]
    return (
        '<section id="headline"><h2>Headline metrics</h2>'
        + _help(
            "Each cell: point estimate [95% bootstrap interval]. All figures are between 0 and 1; higher is better."
        )
        + _table(
            ["Metric", *labels.values(), "What it measures"],
            rows + timing,
            numeric=set(range(1, len(labels) + 1)),
            text={len(labels) + 1},
        )
        + "</section>"
    )


def _differences(results: dict) -> str:
    if not results["comparisons"]:
        return (
            '<section id="differences"><h2>Differences</h2>'
            + _help("Only one model was evaluated; there is nothing to compare.")
            + "</section>"
        )
    labels = _labels(results)
    out = [
        '<section id="differences"><h2>Differences between models</h2>',
        _help(
            "B − A computed on the same resampled statements (a paired bootstrap), so the interval reflects "
            "the uncertainty of the gap itself. Intervals are per metric and not corrected for multiple "
            "comparisons."
        ),
    ]
    for comp in results["comparisons"]:
        a, b = labels[comp["a"]], labels[comp["b"]]
        rows = [
            [
                metric_name(k),
                num(d["a"]),
                num(d["b"]),
                signed(d["diff"]),
                ci_text(d["ci95"], sign=True),
                num(d["p_value"]),
                _badge(d["significant"], bool(d["ci95"])),
            ]
            for k, d in comp["metrics"].items()
        ]
        out.append(f"<h3>{_e(b)} − {_e(a)}</h3>")
        out.append(
            _table(
                ["Metric", f"A: {a}", f"B: {b}", "B − A", "95% interval", "p", "Verdict"], rows, numeric={1, 2, 3, 4, 5}
            )
        )
        diffs = [(d["diff"], d["ci95"], d["significant"]) for d in comp["metrics"].values()]
        png = plots.difference_plot([metric_name(k) for k in comp["metrics"]], diffs, title=f"{b} − {a}")
        out.append(
            _figure(
                png,
                f"Paired differences {b} minus {a}",
                f"Right of the dashed line: {b} is better; left: {a} is better.",
            )
        )
    return "".join(out) + "</section>"


def _per_label(results: dict) -> str:
    labels = _labels(results)
    out = [
        '<section id="per-label"><h2>Per-label results</h2>',
        _help(
            "F1 balances precision (how often a predicted label is right) and recall (how many gold labels are "
            "found). Support is the number of evaluation statements with the label; labels with small support "
            "have unreliable figures."
        ),
    ]
    for task, title in (("stance", "Stances"), ("tone", "Tones")):
        first = _m(results, results["model_names"][0])[task]["per_label"]
        series = {shown: [_m(results, n)[task]["per_label"][lab]["f1"] for lab in first] for n, shown in labels.items()}
        png = plots.grouped_bars(
            list(first),
            series,
            title=f"{title}: F1 per label",
            annotations=[f"n={first[lab]['support']}" for lab in first],
        )
        out += [f"<h3>{title}</h3>", _figure(png, f"{title}: F1 per label and model")]
        header = ["Label", "Support"]
        for shown in labels.values():
            header += [f"{shown} P", f"{shown} R", f"{shown} F1"] + ([f"{shown} AP"] if task == "stance" else [])
        rows = []
        for lab in first:
            row = [lab, first[lab]["support"]]
            for n in labels:
                m = _m(results, n)[task]
                v = m["per_label"][lab]
                row += [num(v["precision"]), num(v["recall"]), num(v["f1"])]
                if task == "stance":
                    row.append(num((m.get("average_precision") or {}).get(lab)))
            rows.append(row)
        out.append(_table(header, rows, numeric=set(range(1, len(header)))))
        if task == "stance":
            out.append(
                _help(
                    "AP (average precision) ranks statements by the model's score for the label, "
                    "independent of the decision threshold; it shows whether a low F1 is a ranking "
                    "problem or a threshold problem."
                )
            )
    return "".join(out) + "</section>"


def _confusion(results: dict) -> str:
    figs = []
    for n, shown in _labels(results).items():
        cm = _m(results, n)["tone"]["confusion_matrix"]
        png = plots.confusion_heatmap(cm["rows_gold_cols_predicted"], cm["labels"], title=shown)
        figs.append(_figure(png, f"Tone confusion matrix for {shown}"))
    return (
        '<section id="confusion"><h2>Tone confusion matrices</h2>'
        + _help(
            "Rows are the gold tone, columns the predicted tone; numbers are statements. The diagonal is "
            "correct. Colour shows the share of each gold row, so a pale diagonal cell on a rare tone is as "
            "visible as one on a common tone."
        )
        + f'<div class="grid">{"".join(figs)}</div></section>'
    )


def _calibration(results: dict) -> str:
    labels = _labels(results)
    first = _m(results, results["model_names"][0])["calibration"]["stance"]["per_label"]
    rows = [
        ["Stance, all labels pooled"] + [num(_m(results, n)["calibration"]["stance"]["ece"]) for n in labels],
        ["Tone, predicted tone"] + [num(_m(results, n)["calibration"]["tone"]["ece"]) for n in labels],
    ]
    rows += [
        [f"Stance: {lab}"] + [num(_m(results, n)["calibration"]["stance"]["per_label"][lab]["ece"]) for n in labels]
        for lab in first
    ]
    figs = [
        _figure(
            plots.reliability_diagram(
                _m(results, n)["calibration"]["stance"],
                _m(results, n)["calibration"]["tone"],
                title=shown,
                color=plots.PALETTE[i % len(plots.PALETTE)],
            ),
            f"Reliability diagrams for {shown}",
        )
        for i, (n, shown) in enumerate(labels.items())
    ]
    return (
        '<section id="calibration"><h2>Calibration</h2>'
        + _help(
            "Are the probabilities honest? When a model says 80%, it should be right about 80% of the time. "
            "ECE (expected calibration error) is the average gap between stated probability and observed "
            "frequency over 10 bins; 0 is perfect. In the diagrams, points on the dashed diagonal are "
            "well calibrated; below it the model is over-confident."
        )
        + _table(["ECE (lower is better)", *labels.values()], rows, numeric=set(range(1, len(labels) + 1)))
        + "".join(figs)
        + "</section>"
    )


def _breakdowns(results: dict) -> str:
    out = ['<section id="breakdowns"><h2>Breakdowns by group</h2>']
    if not results["breakdowns"]:
        return (
            "".join(out) + _help("The evaluation data has no speaker, date, form or hard-case fields.") + "</section>"
        )
    out.append(
        _help(
            f"The same metrics within each group. Groups under {SMALL_GROUP} statements are greyed: "
            "their figures can swing widely with one or two statements."
        )
    )
    titles = {
        "speaker": "By speaker",
        "year": "By year",
        "form": "By form of statement",
        "hard_cases": "By hard-case tag (a statement can carry several)",
    }
    keys = ("stance.macro_f1", "stance.micro_f1", "primary_stance_exact", "tone.accuracy", "tone.macro_f1")
    labels = _labels(results)
    for field, block in results["breakdowns"].items():
        header = ["Group", "n"] + [f"{shown}: {metric_name(k)}" for shown in labels.values() for k in keys]
        rows = []
        for group, size in block["groups"].items():
            name = Raw(f'<span class="small">{_e(group)}</span>') if size < SMALL_GROUP else group
            rows.append([name, size] + [num(block["models"][n][group].get(k)) for n in labels for k in keys])
        out += [f"<h3>{_e(titles.get(field, field))}</h3>", _table(header, rows, numeric=set(range(1, len(header))))]
    return "".join(out) + "</section>"


def _failure_rows(outcome: dict) -> list[list]:
    rows = []
    for f in outcome["failures"]:
        if "text" in f:
            text = f["text"]
            expected = "; ".join(f"{k}: {', '.join(v)}" for k, v in f["expected"].items())
            got = f"{label_list(f['predicted']['stances'])} / {f['predicted']['tone']}"
        else:
            text = f"A: {f['a']}\nB: {f['b']}"
            expected = "same labels for A and B"
            got = (
                f"A: {label_list(f['predicted_a']['stances'])} / {f['predicted_a']['tone']}; "
                f"B: {label_list(f['predicted_b']['stances'])} / {f['predicted_b']['tone']}"
            )
        rows.append([f["id"], text, expected, got, "; ".join(f["reasons"])])
    return rows


def _behaviour(results: dict) -> str:
    behaviour = results.get("behaviour")
    out = ['<section id="behaviour"><h2>Behaviour checks</h2>']
    if not behaviour:
        return "".join(out) + _help("Behaviour checks were not run.") + "</section>"
    labels = _labels(results)
    checks = behaviour["checks"]
    out.append(
        _help(
            "Small hand-written tests of distinctions the codebook cares about. 'expect' cases state "
            "labels that must or must not be predicted; 'invariance' cases are two wordings of the same "
            "content that must get the same labels. A pass rate is the share of cases passed."
        )
    )
    series = {
        shown: [behaviour["models"][n]["checks"][c["name"]]["pass_rate"] for c in checks] for n, shown in labels.items()
    }
    png = plots.grouped_bars(
        [c["name"] for c in checks],
        series,
        title="Behaviour checks: pass rate",
        ylabel="pass rate",
        annotations=[f"n={c['n']}" for c in checks],
    )
    out.append(_figure(png, "Pass rate per behaviour check and model"))
    rows = [
        [c["name"], c["kind"], c["description"], c["n"]]
        + [pct(behaviour["models"][n]["checks"][c["name"]]["pass_rate"]) for n in labels]
        for c in checks
    ]
    rows.append(
        [Raw("<b>all checks</b>"), "", "", sum(c["n"] for c in checks)]
        + [pct(behaviour["models"][n]["pass_rate"]) for n in labels]
    )
    out.append(
        _table(
            ["Check", "Kind", "What it tests", "Cases", *labels.values()],
            rows,
            numeric=set(range(3, 4 + len(labels))),
            text={2},
        )
    )
    for n, shown in labels.items():
        for c in checks:
            outcome = behaviour["models"][n]["checks"][c["name"]]
            if not outcome["failures"]:
                continue
            out.append(
                f"<details><summary>{_e(shown)}: {_e(c['name'])}: {len(outcome['failures'])} failing case(s)</summary>"
            )
            out.append(
                _table(["Case", "Text", "Expected", "Predicted", "Why it failed"], _failure_rows(outcome), text={1})
            )
            out.append("</details>")
    return "".join(out) + "</section>"


def _scores(scores: dict, top: int = 3) -> str:
    best = sorted(scores.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{k} {v:.2f}" for k, v in best)


def _errors(results: dict) -> str:
    out = [
        '<section id="errors"><h2>Highest-confidence errors</h2>',
        _help(
            "The mistakes each model makes most confidently, which are the ones a user is most likely to "
            "believe. An error is a predicted stance that is not gold, a gold stance the model missed (its "
            "confidence is 1 − the score), or a wrong tone. Some may be annotation mistakes worth fixing."
        ),
    ]
    for n, shown in _labels(results).items():
        rows = []
        for i, e in enumerate(results["errors"][n], start=1):
            errors = Raw(
                "<br>".join(
                    f"{_e(ERROR_TYPES[x['type']])}: <b>{_e(x['label'])}</b> ({num(x['confidence'], 2)})"
                    for x in e["errors"]
                )
            )
            rows.append(
                [
                    i,
                    e["id"],
                    e["text"],
                    f"{label_list(e['gold_stances'])} / {e['gold_tone']}",
                    f"{label_list(e['pred_stances'])} / {e['pred_tone']}",
                    f"{_scores(e['stance_scores'])}; tone: {_scores(e['tone_scores'], 2)}",
                    errors,
                ]
            )
        out.append(f"<h3>{_e(shown)}</h3>")
        out.append(
            _table(["#", "ID", "Statement", "Gold stances / tone", "Predicted", "Top scores", "Errors"], rows, text={2})
            if rows
            else _help("No errors.")
        )
    return "".join(out) + "</section>"


def _mark(ok: bool) -> Raw:
    return Raw('<span class="ok">✓</span>' if ok else '<span class="bad">✗</span>')


def _prediction_cell(p: dict) -> Raw:
    return Raw(
        f"{_e(label_list(p['stances']))} / {_e(p['tone'])}<br>primary {_mark(p['primary_correct'])} "
        f"tone {_mark(p['tone_correct'])}"
    )


def _disagreements(results: dict) -> str:
    out = ['<section id="disagreements"><h2>Where the models disagree</h2>']
    if not results["disagreements"]:
        return "".join(out) + _help("Only one model was evaluated.") + "</section>"
    labels = _labels(results)
    out.append(
        _help(
            "Statements on which two models predict a different primary stance or tone. Listed first "
            "are those where exactly one model is right: they are what separates the models."
        )
    )
    for d in results["disagreements"]:
        a, b = labels[d["a"]], labels[d["b"]]
        out.append(f"<h3>{_e(a)} vs {_e(b)}</h3>")
        out.append(
            _help(
                f"{d['n_differ']} of {d['n']} statements differ: {d['n_differ_primary']} in primary "
                f"stance, {d['n_differ_tone']} in tone."
            )
        )
        rows = [
            [task, c["both_right"], c["only_a_right"], c["only_b_right"], c["both_wrong"]]
            for task, c in (("Primary stance", d["primary"]), ("Tone", d["tone"]))
        ]
        out.append(
            _table(["", "Both right", f"Only {a} right", f"Only {b} right", "Both wrong"], rows, numeric={1, 2, 3, 4})
        )
        rows = [
            [
                item["id"],
                item["text"],
                f"{label_list(item['gold_stances'])} / {item['gold_tone']}",
                _prediction_cell(item["a"]),
                _prediction_cell(item["b"]),
            ]
            for item in d["items"]
        ]
        if rows:
            shown = f"{len(rows)} of {d['n_differ']}" if d["n_differ"] > len(rows) else f"all {len(rows)}"
            out.append(
                f"<details><summary>Show {shown} statements</summary>"
                + _table(["ID", "Statement", "Gold", a, b], rows, text={1})
                + "</details>"
            )
    return "".join(out) + "</section>"


def render_html(results: dict) -> str:
    """The whole ``report.html`` as one string."""
    body = "".join(
        section(results)
        for section in (
            _header,
            _verdict,
            _headline,
            _differences,
            _per_label,
            _confusion,
            _calibration,
            _breakdowns,
            _behaviour,
            _errors,
            _disagreements,
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Stance and tone evaluation</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
