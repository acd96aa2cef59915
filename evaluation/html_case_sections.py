"""The sections of ``report.html`` that list individual statements: behaviour-check failures,
the highest-confidence errors, and the statements on which the models disagree.

Each ``*_section`` function takes the results dict and returns one ``<section>``.
Statement texts and ids come from the data: they reach the page only as table cells, which
are escaped, or through ``esc``.
"""

from __future__ import annotations

from evaluation import plots
from evaluation.html_blocks import Raw, esc, figure, help_text, model_labels, table
from evaluation.present import ERROR_TYPES, label_list, num, pct


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


def behaviour_section(results: dict) -> str:
    behaviour = results.get("behaviour")
    out = ['<section id="behaviour"><h2>Behaviour checks</h2>']
    if not behaviour:
        return "".join(out) + help_text("Behaviour checks were not run.") + "</section>"
    labels = model_labels(results)
    checks = behaviour["checks"]
    out.append(
        help_text(
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
    out.append(figure(png, "Pass rate per behaviour check and model"))
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
        table(
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
                f"<details><summary>{esc(shown)}: {esc(c['name'])}: "
                f"{len(outcome['failures'])} failing case(s)</summary>"
            )
            out.append(
                table(["Case", "Text", "Expected", "Predicted", "Why it failed"], _failure_rows(outcome), text={1})
            )
            out.append("</details>")
    return "".join(out) + "</section>"


def _scores(scores: dict, top: int = 3) -> str:
    best = sorted(scores.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{k} {v:.2f}" for k, v in best)


def errors_section(results: dict) -> str:
    out = [
        '<section id="errors"><h2>Highest-confidence errors</h2>',
        help_text(
            "The mistakes each model makes most confidently, which are the ones a user is most likely to "
            "believe. An error is a predicted stance that is not gold, a gold stance the model missed (its "
            "confidence is 1 − the score), or a wrong tone. Some may be annotation mistakes worth fixing."
        ),
    ]
    for n, shown in model_labels(results).items():
        rows = []
        for i, e in enumerate(results["errors"][n], start=1):
            errors = Raw(
                "<br>".join(
                    f"{esc(ERROR_TYPES[x['type']])}: <b>{esc(x['label'])}</b> ({num(x['confidence'], 2)})"
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
        out.append(f"<h3>{esc(shown)}</h3>")
        out.append(
            table(["#", "ID", "Statement", "Gold stances / tone", "Predicted", "Top scores", "Errors"], rows, text={2})
            if rows
            else help_text("No errors.")
        )
    return "".join(out) + "</section>"


def _mark(ok: bool) -> Raw:
    return Raw('<span class="ok">✓</span>' if ok else '<span class="bad">✗</span>')


def _prediction_cell(p: dict) -> Raw:
    return Raw(
        f"{esc(label_list(p['stances']))} / {esc(p['tone'])}<br>primary {_mark(p['primary_correct'])} "
        f"tone {_mark(p['tone_correct'])}"
    )


def disagreements_section(results: dict) -> str:
    out = ['<section id="disagreements"><h2>Where the models disagree</h2>']
    if not results["disagreements"]:
        return "".join(out) + help_text("Only one model was evaluated.") + "</section>"
    labels = model_labels(results)
    out.append(
        help_text(
            "Statements on which two models predict a different primary stance or tone. Listed first "
            "are those where exactly one model is right: they are what separates the models."
        )
    )
    for d in results["disagreements"]:
        a, b = labels[d["a"]], labels[d["b"]]
        out.append(f"<h3>{esc(a)} vs {esc(b)}</h3>")
        out.append(
            help_text(
                f"{d['n_differ']} of {d['n']} statements differ: {d['n_differ_primary']} in primary "
                f"stance, {d['n_differ_tone']} in tone."
            )
        )
        rows = [
            [task, c["both_right"], c["only_a_right"], c["only_b_right"], c["both_wrong"]]
            for task, c in (("Primary stance", d["primary"]), ("Tone", d["tone"]))
        ]
        out.append(
            table(["", "Both right", f"Only {a} right", f"Only {b} right", "Both wrong"], rows, numeric={1, 2, 3, 4})
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
                + table(["ID", "Statement", "Gold", a, b], rows, text={1})
                + "</details>"
            )
    return "".join(out) + "</section>"
