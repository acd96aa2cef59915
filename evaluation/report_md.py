"""``report.md`` and the terminal summary, rendered only from the results dict.

The Markdown report carries the same figures as the HTML report, as tables
that paste cleanly into a review or a pull request. The terminal summary is
the few lines a user needs after ``stance compare`` finishes.
"""

from __future__ import annotations

import html

from evaluation.present import (
    ERROR_TYPES,
    HEADLINE_METRICS,
    ci_text,
    difference_cells,
    label_list,
    metric_ci,
    metric_name,
    metric_value,
    model_label,
    num,
    pct,
    value_with_ci,
)
from evaluation.verdict import explain

TEXT_LIMIT = 300


def _cell(value) -> str:
    """A Markdown table cell: line breaks flattened, pipes escaped, and HTML escaped.

    Markdown renderers pass raw HTML through, so a statement quoting a tag
    would otherwise be rendered (or stripped) when the report is pasted into
    a review.
    """
    return html.escape(" ".join(str(value).split()), quote=False).replace("|", "\\|")


def _clip(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _labels(results: dict) -> dict[str, str]:
    return {name: model_label(results["models"][name]) for name in results["model_names"]}


def _metrics(results: dict, name: str) -> dict:
    return results["models"][name]["metrics"]


def _intro(results: dict) -> list[str]:
    data, settings = results["data"], results["settings"]
    lines = [
        "# Stance and tone evaluation",
        "",
        f"- Data: `{data['path']}`: {data['note']}.",
        "- Models: " + ", ".join(f"`{m['name']}` ({m['kind']}, `{m['path']}`)" for m in results["models"].values()),
        f"- Intervals: 95% bootstrap over statements, {settings['n_resamples']} resamples, seed {settings['seed']}; "
        "every model uses the same resamples.",
        f"- Generated: {results['created_at']}",
        "",
    ]
    for warning in results.get("warnings", []):
        lines.append(f"> **Warning:** {warning}")
    return lines + ([""] if results.get("warnings") else [])


def _verdict(results: dict) -> list[str]:
    v = explain(results)
    lines = ["## Verdict", "", f"**{v['summary']}**", ""]
    lines += [f"- {r}" for r in v["reasons"]]
    lines += [f"- Caveat: {c}" for c in v["caveats"] if c not in results.get("warnings", [])]
    return [*lines, ""]


def _headline(results: dict) -> list[str]:
    labels = _labels(results)
    rows = [
        [metric_name(key)] + [value_with_ci(_metrics(results, n), key) for n in labels]
        for key in HEADLINE_METRICS
        if metric_value(_metrics(results, results["model_names"][0]), key) is not None
    ]
    lines = ["## Headline metrics", "", "Point estimate [95% bootstrap interval].", ""]
    lines += _table(["Metric", *labels.values()], rows)
    lines += [f"- **{name}**: {text}" for name, text in HEADLINE_METRICS.values()]
    return [*lines, ""]


def _comparisons(results: dict) -> list[str]:
    if not results["comparisons"]:
        return []
    labels = _labels(results)
    lines = [
        "## Paired differences",
        "",
        "B − A on the same bootstrap resamples; *significant* means the 95% interval excludes 0. "
        "Intervals are per metric, not corrected for multiple comparisons.",
        "",
    ]
    for comp in results["comparisons"]:
        a, b = labels[comp["a"]], labels[comp["b"]]
        lines += [f"### {b} − {a}", ""]
        rows = [[*difference_cells(k, d), "yes" if d["significant"] else "no"] for k, d in comp["metrics"].items()]
        lines += _table(["Metric", f"A: {a}", f"B: {b}", "B − A", "95% CI", "p", "Significant"], rows)
    return lines


def _slices(results: dict) -> list[str]:
    """Headline figures with intervals, and paired differences, on the real-derived and non-Iranian slices."""
    slices = results.get("slices") or {}
    if not slices:
        return []
    labels = _labels(results)
    lines = [
        "## Slices",
        "",
        "The same models on the statements most like what users paste; own bootstrap intervals.",
        "",
    ]
    for slice_name, block in slices.items():
        lines += [f"### {slice_name} ({block['n']} statements)", ""]
        rows = [
            [metric_name(key)] + [value_with_ci(block["models"][n], key) for n in labels]
            for key in HEADLINE_METRICS
            if metric_value(block["models"][results["model_names"][0]], key) is not None
        ]
        lines += _table(["Metric", *labels.values()], rows)
        for comp in block["comparisons"]:
            a, b = labels[comp["a"]], labels[comp["b"]]
            rows = [[*difference_cells(k, d), "yes" if d["significant"] else "no"] for k, d in comp["metrics"].items()]
            lines += [f"{b} − {a}:", ""]
            lines += _table(["Metric", f"A: {a}", f"B: {b}", "B − A", "95% CI", "p", "Significant"], rows)
    return lines


def _per_label(results: dict, task: str) -> list[str]:
    labels = _labels(results)
    first = _metrics(results, results["model_names"][0])[task]["per_label"]
    title = "Stance per label" if task == "stance" else "Tone per label"
    lines = [f"## {title}", "", "F1 per label and model; support is the number of gold statements with the label.", ""]
    rows = [
        [label, first[label]["support"]] + [num(_metrics(results, n)[task]["per_label"][label]["f1"]) for n in labels]
        for label in first
    ]
    lines += _table(["Label", "Support", *labels.values()], rows)
    for name, shown in labels.items():
        m = _metrics(results, name)[task]
        ap = m.get("average_precision") or {}
        header = ["Label", "Precision", "Recall", "F1", "Support"] + (["Avg. precision"] if ap else [])
        rows = [
            [label, num(v["precision"]), num(v["recall"]), num(v["f1"]), v["support"]]
            + ([num(ap.get(label))] if ap else [])
            for label, v in m["per_label"].items()
        ]
        lines += [f"**{shown}**", "", *_table(header, rows)]
        if ap:
            lines += [f"Mean average precision over present labels: {num(m.get('macro_average_precision'))}.", ""]
    return lines


def _confusion(results: dict) -> list[str]:
    lines = ["## Tone confusion matrices", "", "Rows: gold tone; columns: predicted tone.", ""]
    for name, shown in _labels(results).items():
        cm = _metrics(results, name)["tone"]["confusion_matrix"]
        rows = [[gold, *row] for gold, row in zip(cm["labels"], cm["rows_gold_cols_predicted"], strict=True)]
        lines += [f"**{shown}**", "", *_table(["gold \\ predicted", *cm["labels"]], rows)]
    return lines


def _calibration(results: dict) -> list[str]:
    labels = _labels(results)
    lines = [
        "## Calibration",
        "",
        "Expected calibration error (ECE, 10 equal-width bins): the average gap between predicted "
        "probability and observed frequency; 0 is perfect.",
        "",
    ]
    stance_labels = list(_metrics(results, results["model_names"][0])["calibration"]["stance"]["per_label"])
    rows = [
        ["Stance, all labels pooled"] + [num(_metrics(results, n)["calibration"]["stance"]["ece"]) for n in labels],
        ["Tone, predicted tone"] + [num(_metrics(results, n)["calibration"]["tone"]["ece"]) for n in labels],
    ]
    rows += [
        [f"Stance: {label}"]
        + [num(_metrics(results, n)["calibration"]["stance"]["per_label"][label]["ece"]) for n in labels]
        for label in stance_labels
    ]
    lines += _table(["ECE", *labels.values()], rows)
    for name, shown in labels.items():
        cal = _metrics(results, name)["calibration"]
        for part, title in (("stance", "stance, pooled"), ("tone", "tone")):
            rows = [
                [f"{b['lo']:.1f}–{b['hi']:.1f}", b["count"], num(b["confidence"]), num(b["accuracy"])]
                for b in cal[part]["bins"]
            ]
            lines += [f"Reliability bins, {shown}, {title}:", ""]
            lines += _table(["Bin", "Count", "Mean probability", "Observed frequency"], rows)
    return lines


def _breakdowns(results: dict) -> list[str]:
    if not results["breakdowns"]:
        return []
    titles = {
        "speaker": "speaker",
        "year": "year",
        "form": "form of statement",
        "length": "length in words",
        "hard_cases": "hard-case tag",
    }
    lines = ["## Breakdowns", "", "Groups under 20 statements are marked *; their figures are noisy.", ""]
    for field, block in results["breakdowns"].items():
        lines += [f"### By {titles.get(field, field)}", ""]
        for name, shown in _labels(results).items():
            rows = [
                [
                    g + ("*" if v["n"] < 20 else ""),
                    v["n"],
                    num(v.get("stance.macro_f1")),
                    num(v.get("stance.micro_f1")),
                    num(v.get("primary_stance_exact")),
                    num(v.get("tone.accuracy")),
                    num(v.get("tone.macro_f1")),
                ]
                for g, v in block["models"][name].items()
            ]
            lines += [f"**{shown}**", ""]
            lines += _table(
                ["Group", "n", "Stance macro-F1", "Stance micro-F1", "Primary exact", "Tone accuracy", "Tone macro-F1"],
                rows,
            )
    return lines


def _expected(expected: dict) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in expected.items())


def _behaviour(results: dict) -> list[str]:
    behaviour = results.get("behaviour")
    if not behaviour:
        return []
    labels = _labels(results)
    lines = ["## Behaviour checks", "", f"Hand-written cases from `{behaviour['source']}`.", ""]
    rows = [
        [c["name"], c["kind"], c["n"]] + [pct(behaviour["models"][n]["checks"][c["name"]]["pass_rate"]) for n in labels]
        for c in behaviour["checks"]
    ]
    rows.append(
        ["**all checks**", "", sum(c["n"] for c in behaviour["checks"])]
        + [pct(behaviour["models"][n]["pass_rate"]) for n in labels]
    )
    lines += _table(["Check", "Kind", "Cases", *labels.values()], rows)
    lines += [f"- **{c['name']}**: {c['description']}" for c in behaviour["checks"]] + [""]
    for name, shown in labels.items():
        lines += [f"### Failing cases: {shown}", ""]
        rows = []
        for check, outcome in behaviour["models"][name]["checks"].items():
            for f in outcome["failures"]:
                text = f["text"] if "text" in f else f"A: {f['a']} / B: {f['b']}"
                got = f["predicted"] if "predicted" in f else f["predicted_a"]
                rows.append(
                    [
                        check,
                        f["id"],
                        _clip(text, 200),
                        _expected(f.get("expected", {})) or "same labels",
                        f"{label_list(got['stances'])} / {got['tone']}",
                        "; ".join(f["reasons"]),
                    ]
                )
        lines += (
            _table(["Check", "Case", "Text", "Expected", "Predicted", "Why it failed"], rows)
            if rows
            else ["All cases pass.", ""]
        )
    return lines


def _errors(results: dict) -> list[str]:
    lines = [
        "## Highest-confidence errors",
        "",
        "Statements ranked by the model's confidence in its most confident mistake "
        "(a predicted stance that is not gold, a gold stance it missed, or a wrong tone).",
        "",
    ]
    for name, shown in _labels(results).items():
        rows = [
            [
                i,
                e["id"],
                _clip(e["text"]),
                f"{label_list(e['gold_stances'])} / {e['gold_tone']}",
                f"{label_list(e['pred_stances'])} / {e['pred_tone']}",
                "; ".join(f"{ERROR_TYPES[x['type']]}: {x['label']} ({num(x['confidence'], 2)})" for x in e["errors"]),
            ]
            for i, e in enumerate(results["errors"][name], start=1)
        ]
        lines += [f"### {shown}", ""]
        lines += (
            _table(["#", "ID", "Text", "Gold stances / tone", "Predicted", "Errors (confidence)"], rows)
            if rows
            else ["No errors.", ""]
        )
    return lines


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _disagreements(results: dict) -> list[str]:
    if not results["disagreements"]:
        return []
    labels = _labels(results)
    lines = ["## Where the models disagree", ""]
    for d in results["disagreements"]:
        a, b = labels[d["a"]], labels[d["b"]]
        lines += [
            f"### {a} vs {b}",
            "",
            f"{d['n_differ']} of {d['n']} statements differ in primary stance ({d['n_differ_primary']}) "
            f"or tone ({d['n_differ_tone']}).",
            "",
        ]
        rows = [
            [task, c["both_right"], c["only_a_right"], c["only_b_right"], c["both_wrong"]]
            for task, c in (("Primary stance", d["primary"]), ("Tone", d["tone"]))
        ]
        lines += _table(["", "Both right", f"Only {a} right", f"Only {b} right", "Both wrong"], rows)
        rows = [
            [
                item["id"],
                _clip(item["text"]),
                f"{label_list(item['gold_stances'])} / {item['gold_tone']}",
                f"{label_list(item['a']['stances'])} / {item['a']['tone']} "
                f"(primary {_mark(item['a']['primary_correct'])}, tone {_mark(item['a']['tone_correct'])})",
                f"{label_list(item['b']['stances'])} / {item['b']['tone']} "
                f"(primary {_mark(item['b']['primary_correct'])}, tone {_mark(item['b']['tone_correct'])})",
            ]
            for item in d["items"]
        ]
        if rows:
            shown = (
                f" (first {len(rows)}, those where only one model is right first)" if d["n_differ"] > len(rows) else ""
            )
            lines += [f"Statements{shown}:", ""]
            lines += _table(["ID", "Text", "Gold", a, b], rows)
    return lines


def render_markdown(results: dict) -> str:
    """The whole ``report.md``."""
    sections = [
        _intro,
        _verdict,
        _headline,
        _comparisons,
        _slices,
        lambda r: _per_label(r, "stance"),
        lambda r: _per_label(r, "tone"),
        _confusion,
        _calibration,
        _breakdowns,
        _behaviour,
        _errors,
        _disagreements,
    ]
    lines: list[str] = []
    for section in sections:
        lines += section(results)
    return "\n".join(lines).rstrip() + "\n"


def terminal_summary(results: dict) -> str:
    """A short Markdown summary for the terminal: data, headline figures with intervals, verdict, warnings."""
    labels = _labels(results)
    keys = ["stance.macro_f1", "stance.micro_f1", "primary_stance_accuracy", "tone.accuracy", "tone.macro_f1"]
    lines = [
        f"**Data:** {results['data']['note']} (`{results['data']['path']}`)",
        "",
        "| model | " + " | ".join(metric_name(k) for k in keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for name, shown in labels.items():
        m = _metrics(results, name)
        cells = [f"{num(metric_value(m, k))} {ci_text(metric_ci(m, k))}".strip() for k in keys]
        lines.append(f"| {shown} | " + " | ".join(cells) + " |")
    behaviour = results.get("behaviour")
    if behaviour:
        lines += [
            "",
            "**Behaviour checks passed:** "
            + ", ".join(
                f"{labels[n]} {pct(behaviour['models'][n]['pass_rate'])} "
                f"({behaviour['models'][n]['passed']}/{behaviour['models'][n]['n']})"
                for n in labels
            ),
        ]
    for slice_name, block in (results.get("slices") or {}).items():
        lines += ["", f"**{slice_name} slice** ({block['n']} statements):"]
        for name, shown in labels.items():
            m = block["models"][name]
            cells = [
                f"{metric_name(k)} {num(metric_value(m, k))} {ci_text(metric_ci(m, k))}".strip()
                for k in keys[:1] + keys[4:]
            ]
            lines.append(f"- {shown}: " + "; ".join(cells))
    words = explain(results)
    lines += ["", "**Verdict:** " + words["summary"]]
    lines += [f"- {r}" for r in words["reasons"]]
    lines += [f"- Caveat: {c}" for c in words["caveats"]]
    return "\n".join(line.rstrip() for line in lines)
