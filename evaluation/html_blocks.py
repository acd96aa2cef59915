"""Building blocks for ``report.html``: escaping, tables, figures and help text.

Every section renderer builds its HTML from these, so escaping happens in one
place: text from the data goes through ``esc``, and a table cell is escaped
unless it is wrapped in ``Raw``. Also the lookups into the results dict that
all sections share.
"""

from __future__ import annotations

import base64
import html

from evaluation.present import model_label


class Raw(str):
    """A table cell that is already HTML (built by a section from escaped parts); everything else is escaped."""


def esc(value) -> str:
    """Any value as HTML text, quotes included, safe in element content and attribute values."""
    return html.escape(str(value), quote=True)


def _cell(value, css: str = "") -> str:
    content = value if isinstance(value, Raw) else esc(value)
    return f'<td class="{css}">{content}</td>' if css else f"<td>{content}</td>"


def table(
    header: list[str],
    rows: list[list],
    numeric: set[int] | frozenset = frozenset(),
    text: set[int] | frozenset = frozenset(),
) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(_cell(c, "num" if i in numeric else "text" if i in text else "") for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" alt="{esc(alt)}">'


def figure(png: bytes, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{_img(png, alt)}{cap}</figure>"


def help_text(text: str) -> str:
    return f'<p class="help">{esc(text)}</p>'


def model_labels(results: dict) -> dict[str, str]:
    """Model name -> the label shown for it, in ``results["model_names"]`` order."""
    return {name: model_label(results["models"][name]) for name in results["model_names"]}


def model_metrics(results: dict, name: str) -> dict:
    """The metrics dict of one model."""
    return results["models"][name]["metrics"]
