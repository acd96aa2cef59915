"""Writing every report for a results dict: ``report.md`` and ``report.html``.

Reports never run a model or compute a metric: they read the results dict
(fresh from ``harness.compare`` or loaded back with ``harness.read_results``),
so re-rendering after a template change needs no models and gives the same
figures.
"""

from __future__ import annotations

from pathlib import Path

from classifier.files import atomic_write_text
from evaluation.report_html import render_html
from evaluation.report_md import render_markdown

MARKDOWN_FILE = "report.md"
HTML_FILE = "report.html"


def render_reports(results: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write ``report.md`` and ``report.html`` into ``out_dir``; return ``{"markdown": path, "html": path}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / MARKDOWN_FILE, "html": out / HTML_FILE}
    markdown, page = render_markdown(results), render_html(results)  # render both before writing either
    atomic_write_text(paths["markdown"], markdown)
    atomic_write_text(paths["html"], page)
    return paths
