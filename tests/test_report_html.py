"""report.html: self-contained, complete, and escaping every piece of statement text."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

from test_evaluation_support import HOSTILE_TEXT

from evaluation import plots
from evaluation.report_html import SECTIONS, render_html
from evaluation.reports import render_reports
from evaluation.verdict import explain

#: fixtures eval_corpus, eval_models, eval_results
pytest_plugins = ["test_evaluation_support"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Collector(HTMLParser):
    """Tags, their attributes, and text, as a browser's parser would see them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    return parser


def _with_hostile_text(results: dict) -> dict:
    """A copy whose statement texts, ids and check texts all carry HTML."""
    results = json.loads(json.dumps(results))
    for errors in results["errors"].values():
        for item in errors:
            item["text"], item["id"] = HOSTILE_TEXT, '<i id="x">'
    for d in results["disagreements"]:
        for item in d["items"]:
            item["text"] = HOSTILE_TEXT
    for outcome in results["behaviour"]["models"].values():
        for check in outcome["checks"].values():
            for f in check["failures"]:
                f.update({"text": HOSTILE_TEXT} if "text" in f else {"a": HOSTILE_TEXT, "b": HOSTILE_TEXT})
    results["data"]["path"] = "/data/<img src=x onerror=alert(1)>.jsonl"
    return results


def test_page_is_self_contained(eval_results):
    page = render_html(eval_results)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower() and "@import" not in page
    tags = _parse(page).tags
    images = [attrs for tag, attrs in tags if tag == "img"]
    assert len(images) >= 7
    for attrs in images:
        assert attrs["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(attrs["src"].split(",", 1)[1])[:8] == PNG_MAGIC
        assert attrs.get("alt")
    for tag, attrs in tags:
        if tag == "a":
            assert attrs["href"].startswith("#")


def test_page_has_every_section(eval_results):
    page = render_html(eval_results)
    ids = {attrs.get("id") for tag, attrs in _parse(page).tags if tag == "section"}
    assert {key for key, _ in SECTIONS} <= ids
    assert page.index('id="verdict"') < page.index('id="headline"')  # the verdict comes first
    assert explain(eval_results)["summary"].split(":")[0] in page


def test_statement_text_is_escaped(eval_results):
    page = render_html(_with_hostile_text(eval_results))
    assert "<script>" not in page and "<b>allies</b>" not in page and "<i id=" not in page
    assert "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    parsed = _parse(page)
    assert not [t for t, _ in parsed.tags if t in ("script", "i")]
    assert not [a for t, a in parsed.tags if t == "img" and not a["src"].startswith("data:image/png;base64,")]
    assert any(HOSTILE_TEXT in chunk for chunk in parsed.text)  # shown to the reader as text


def test_figures_are_valid_pngs_and_leave_matplotlib_state_alone():
    import matplotlib

    backend = matplotlib.get_backend()
    rc = dict(matplotlib.rcParams)
    png = plots.confusion_heatmap([[3, 1], [0, 2]], ["a", "b"], title="t")
    assert png[:8] == PNG_MAGIC
    assert plots.grouped_bars(["x", "y"], {"m": [0.5, None]})[:8] == PNG_MAGIC
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == rc


def test_render_reports_writes_both_files(eval_results, tmp_path):
    paths = render_reports(eval_results, tmp_path / "out")
    assert set(paths) == {"markdown", "html"}
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list((tmp_path / "out").glob("*.partial"))
