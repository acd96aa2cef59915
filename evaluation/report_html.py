"""``report.html``: one self-contained page, rendered only from the results dict.

Written for a reader who is not a programmer: the recommendation and its
evidence come first, every table has a sentence saying how to read it, and
figures are embedded as base64 PNG so the file can be mailed or archived and
opened offline. There is no script, no external stylesheet, font or image.
Every piece of text from the data (statements, ids, paths, labels) goes
through ``html.escape``; table cells are escaped unless explicitly marked raw.

The page shell lives here: the stylesheet, the header with its table of
contents, and ``render_html``. The sections are rendered by
``evaluation.html_metric_sections`` and ``evaluation.html_case_sections``
from the blocks in ``evaluation.html_blocks``.
"""

from __future__ import annotations

from evaluation.html_blocks import esc
from evaluation.html_case_sections import behaviour_section, disagreements_section, errors_section
from evaluation.html_metric_sections import (
    breakdowns_section,
    calibration_section,
    confusion_section,
    differences_section,
    headline_section,
    per_label_section,
    slices_section,
    verdict_section,
)
from evaluation.present import model_label

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
    ("slices", "Slices"),
    ("per-label", "Per label"),
    ("confusion", "Tone confusion"),
    ("calibration", "Calibration"),
    ("breakdowns", "Breakdowns"),
    ("behaviour", "Behaviour checks"),
    ("errors", "Errors"),
    ("disagreements", "Disagreements"),
)


def _header(results: dict) -> str:
    data, settings = results["data"], results["settings"]
    models = "".join(
        f"<li><b>{esc(model_label(m))}</b>: <code>{esc(m['path'])}</code></li>" for m in results["models"].values()
    )
    nav = "".join(f'<a href="#{key}">{esc(title)}</a>' for key, title in SECTIONS)
    warnings = "".join(f'<div class="warning"><b>Warning:</b> {esc(w)}</div>' for w in results.get("warnings", []))
    return (
        f'<h1>Stance and tone evaluation</h1><ul class="meta">'
        f"<li>Data: <code>{esc(data['path'])}</code>: {esc(data['note'])}.</li>"
        f"<li>Models:<ul>{models}</ul></li>"
        f"<li>95% intervals from {settings['n_resamples']} bootstrap resamples of the statements "
        f"(seed {settings['seed']}), the same resamples for every model.</li>"
        f"<li>Generated {esc(results['created_at'])}.</li></ul><nav>{nav}</nav>{warnings}"
    )


def render_html(results: dict) -> str:
    """The whole ``report.html`` as one string."""
    body = "".join(
        section(results)
        for section in (
            _header,
            verdict_section,
            headline_section,
            differences_section,
            slices_section,
            per_label_section,
            confusion_section,
            calibration_section,
            breakdowns_section,
            behaviour_section,
            errors_section,
            disagreements_section,
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Stance and tone evaluation</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
