"""report.md and the terminal summary, rendered from a real results dict (and from its JSON round trip)."""

from __future__ import annotations

import json

from test_evaluation_support import HOSTILE_TEXT

from classifier.schema import STANCES, TONES
from evaluation.present import HEADLINE_METRICS, model_label
from evaluation.report_md import render_markdown, terminal_summary
from evaluation.reports import render_reports
from evaluation.verdict import explain

#: fixtures eval_corpus, eval_models, eval_results
pytest_plugins = ["test_evaluation_support"]


def _tables(markdown: str) -> list[list[str]]:
    """Every Markdown table as its list of lines."""
    tables, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def test_markdown_has_every_section_and_table(eval_results):
    md = render_markdown(eval_results)
    for heading in (
        "## Verdict",
        "## Headline metrics",
        "## Paired differences",
        "## Stance per label",
        "## Tone per label",
        "## Tone confusion matrices",
        "## Calibration",
        "## Breakdowns",
        "### By speaker",
        "### By year",
        "## Behaviour checks",
        "## Highest-confidence errors",
        "## Where the models disagree",
    ):
        assert heading in md, heading
    assert explain(eval_results)["summary"] in md
    for name, _ in HEADLINE_METRICS.values():
        assert f"| {name} |" in md, name
    for table in _tables(md):
        widths = {line.count("|") - line.count("\\|") for line in table}
        assert len(widths) == 1, table[0]  # every row has as many cells as the header
        assert set(table[1].strip("|").split("|")) == {"---"}


def test_markdown_figures_match_the_results(eval_results):
    md = render_markdown(eval_results)
    for name in eval_results["model_names"]:
        m = eval_results["models"][name]["metrics"]
        lo, hi = m["ci95"]["stance.macro_f1"]
        assert f"{m['stance']['macro_f1']:.3f} [{lo:.3f}, {hi:.3f}]" in md
        assert f"**{model_label(eval_results['models'][name])}**" in md
    comp = eval_results["comparisons"][0]["metrics"]["tone.accuracy"]
    assert f"{comp['diff']:+.3f}".replace("-", "−") in md


def _made_up_error() -> dict:
    return {
        "id": "x1",
        "text": "placeholder",
        "gold_stances": ["condemnation"],
        "gold_tone": "measured",
        "speaker": "president",
        "date": "2024-01",
        "pred_stances": ["neutral"],
        "pred_tone": "measured",
        "stance_scores": {s: 0.1 for s in STANCES},
        "tone_scores": {t: 0.2 for t in TONES},
        "errors": [{"type": "missed_stance", "label": "condemnation", "confidence": 0.9}],
        "confidence": 0.9,
    }


def test_markdown_keeps_awkward_statement_text_inside_its_cell(eval_results):
    results = json.loads(json.dumps(eval_results))
    name = results["model_names"][0]
    if not results["errors"][name]:  # the tiny model may be perfect on 7 statements: add one error row
        results["errors"][name] = [_made_up_error()]
    results["errors"][name][0]["text"] = "first line | with a pipe\nsecond line"
    md = render_markdown(results)
    assert "first line \\| with a pipe second line" in md
    for table in _tables(md):
        assert len({line.count("|") - line.count("\\|") for line in table}) == 1
    results["errors"][name][0]["text"] = HOSTILE_TEXT
    md = render_markdown(results)
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;alert" in md


def test_rendering_from_json_round_trip_is_identical(eval_results, tmp_path):
    loaded = json.loads(json.dumps(eval_results))
    assert render_markdown(loaded) == render_markdown(eval_results)
    paths = render_reports(loaded, tmp_path / "reports")
    assert paths["markdown"].read_text(encoding="utf-8") == render_markdown(eval_results)
    assert paths["html"].is_file()


def test_terminal_summary_is_short_and_names_the_verdict(eval_results):
    text = terminal_summary(eval_results)
    assert "**Verdict:** " + explain(eval_results)["summary"] in text
    assert text.splitlines()[2].startswith("| model | Stance macro-F1 |")
    for name in eval_results["model_names"]:
        assert model_label(eval_results["models"][name]) in text
    assert len(text.splitlines()) < 25
    assert all(line == line.rstrip() for line in text.splitlines())


def test_single_model_report(eval_models, eval_corpus):
    from evaluation.harness import compare

    results = compare(eval_models[:1], eval_corpus, n_resamples=30, checks=None)
    md = render_markdown(results)
    assert "One model evaluated" in md
    assert "## Paired differences" not in md and "## Behaviour checks" not in md
    assert results["verdict"]["recommended"] == results["model_names"][0]
