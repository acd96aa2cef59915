"""Writing batch results: one JSONL object or CSV row per input row, in input order.

The formatters turn a chunk of ``InputRow``s and their results (or errors)
into bytes ready to append to the output, so the batch run can stream. Input
fields are carried through unchanged; an input field whose name clashes with a
result field is kept under ``input_<name>``. A row that could not be
classified is written with its ``error`` and empty result columns, so output
row *n* always answers input row *n*.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from classifier.schema import STANCES, TONES

if TYPE_CHECKING:
    from classifier.batch_io import InputRow

#: fields the classifier adds to a JSONL row; an input field of the same name is kept as ``input_<name>``
RESULT_FIELDS = ("line", "stances", "stance_scores", "tone", "tone_scores", "warnings", "error")
#: result columns of a CSV row, the same for batch output and ``classifier.output`` (stdout)
RESULT_COLUMNS = (
    "stances",
    "primary_stance",
    "tone",
    "warnings",
    "error",
    *(f"score_{s}" for s in STANCES),
    *(f"tone_{t}" for t in TONES),
)
#: CSV column for JSONL fields first seen after the header was written
OTHER_FIELDS = "other_fields"
WARNING_SEPARATOR = " | "  # warnings themselves contain ';'


def _free_name(name: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    while name in taken:
        name = f"input_{name}"
    return name


def output_record(row: InputRow, result: dict | None) -> dict:
    """One JSONL output object: ``id`` and ``line`` first, the input fields, then the result or the error.

    ``id`` is the input's own id, or null when it has none that can be read;
    ``line`` is where the row starts in the input, so every row can be joined
    back even when its id is missing.
    """
    record: dict = {"id": row.id, "line": row.line}
    for key, value in row.fields.items():
        if key != "id":
            record[_free_name(key, RESULT_FIELDS) if key in RESULT_FIELDS else key] = value
    if result is None or "error" in result:
        record["error"] = row.error if result is None else f"row {row.number}: {result['error']}"
        return record
    for key in ("stances", "stance_scores", "tone", "tone_scores"):
        record[key] = result[key]
    if result.get("warnings"):
        record["warnings"] = result["warnings"]
    if result.get("evidence"):
        record["evidence"] = result["evidence"]
    return record


#: characters JSON allows raw in strings but ``str.splitlines`` and some editors treat as line breaks
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class JsonlFormatter:
    """Result rows as JSON Lines (UTF-8, one object per line)."""

    def header(self) -> bytes:
        return b""

    def format(self, rows: Sequence[InputRow], results: Sequence[dict | None]) -> bytes:
        out = []
        for row, result in zip(rows, results, strict=True):
            record = output_record(row, result)
            line = json.dumps(record, ensure_ascii=False, default=json_value).translate(_LINE_BREAKS)
            try:
                out.append(line.encode("utf-8"))
            except UnicodeEncodeError:  # lone surrogates from \\ud800-style escapes: keep them escaped
                out.append(json.dumps(record, default=json_value).encode("ascii"))
        return b"".join(line + b"\n" for line in out)


def json_value(value: object) -> object:
    """JSON for the non-JSON values a Parquet column can carry: dates and times as ISO 8601, the rest as text."""
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=json_value)


def result_cells(result: dict | None, error: str | None = None) -> dict[str, str]:
    """The ``RESULT_COLUMNS`` of one CSV row: the classification, or only ``error`` (shared with stdout CSV)."""
    cells = dict.fromkeys(RESULT_COLUMNS, "")
    if result is None or "error" in result:
        cells["error"] = error or ""
        return cells
    cells.update(
        stances=";".join(result["stances"]),
        primary_stance=result["stances"][0],
        tone=result["tone"],
        warnings=WARNING_SEPARATOR.join(result.get("warnings", [])),
    )
    cells.update({f"score_{s}": str(result["stance_scores"][s]) for s in STANCES})
    cells.update({f"tone_{t}": str(result["tone_scores"][t]) for t in TONES})
    return cells


class CsvFormatter:
    """Result rows as CSV: ``id``, the input columns, then ``RESULT_COLUMNS``.

    ``input_columns`` is fixed before the first row is written (the CSV header,
    or the JSONL fields seen in the first rows); with ``other_fields`` the
    fields of later JSONL rows that are not in it go into one JSON column, so
    nothing is dropped.
    """

    def __init__(self, input_columns: Sequence[str], *, other_fields: bool = False):
        self.input_columns = [c for c in input_columns if c != "id"]
        self.other_fields = other_fields
        reserved = {"id", "line", *RESULT_COLUMNS, *([OTHER_FIELDS] if other_fields else [])}
        self.names = {c: _free_name(c, reserved) for c in self.input_columns}
        extra = [OTHER_FIELDS] if other_fields else []
        self.columns = ["id", "line", *self.names.values(), *extra, *RESULT_COLUMNS]

    def _line(self, values: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue()

    def header(self) -> bytes:
        return self._line(self.columns).encode("utf-8", "backslashreplace")

    def row(self, row: InputRow, result: dict | None) -> list[str]:
        values = [_cell(row.id), str(row.line), *(_cell(row.fields.get(c)) for c in self.input_columns)]
        if self.other_fields:
            known = {"id", *self.input_columns}
            extra = {k: v for k, v in row.fields.items() if k not in known}
            values.append(json.dumps(extra, ensure_ascii=False) if extra else "")
        error = None
        if result is None or "error" in result:
            error = row.error if result is None else f"row {row.number}: {result['error']}"
        return [*values, *result_cells(result, error).values()]

    def format(self, rows: Sequence[InputRow], results: Sequence[dict | None]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row, result in zip(rows, results, strict=True):
            writer.writerow(self.row(row, result))
        return buffer.getvalue().encode("utf-8", "backslashreplace")


def field_names(rows: Iterable[InputRow]) -> list[str]:
    """Field names in first-seen order (the CSV columns for JSONL input)."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row.fields))
    return list(seen)


class JsonArrayFormatter:
    """Result rows as one JSON array (stdout ``--format json``), written as the chunks come."""

    def __init__(self):
        self.first = True

    def header(self) -> bytes:
        return b"["

    def format(self, rows: Sequence[InputRow], results: Sequence[dict | None]) -> bytes:
        out = []
        for row, result in zip(rows, results, strict=True):
            item = json.dumps(output_record(row, result), indent=2, ensure_ascii=False, default=json_value)
            out.append(("\n" if self.first else ",\n") + textwrap.indent(item, "  "))
            self.first = False
        return "".join(out).encode("utf-8", "backslashreplace")

    def footer(self) -> bytes:
        return b"\n]\n"


class TableFormatter:
    """Result rows for a person at a terminal (``--format table``): labels, scores, evidence, warnings."""

    def __init__(self, width: int | None = None):
        self.width = width or max(60, min(shutil.get_terminal_size((100, 20)).columns, 140))
        self.rule = "-" * self.width

    def header(self) -> bytes:
        return b""

    def format(self, rows: Sequence[InputRow], results: Sequence[dict | None]) -> bytes:
        lines = []
        for row, result in zip(rows, results, strict=True):
            record = output_record(row, result)
            text = textwrap.shorten(row.text or "", width=self.width - 8, placeholder=" ...")
            lines.append(f"{self.rule}\n[{'' if record['id'] is None else record['id']}] {text}")
            if "error" in record:
                lines.append(f"  ERROR: {record['error']}")
                continue
            scores = record["stance_scores"]
            lines.append("  stance: " + ", ".join(f"{s} {scores[s]:.2f}" for s in record["stances"]))
            lines.append(f"  tone:   {record['tone']} {record['tone_scores'][record['tone']]:.2f}")
            lines += self._evidence(record.get("evidence"), record["tone"])
            lines += [f"  warning: {w}" for w in record.get("warnings", [])]
        return "".join(line + "\n" for line in lines).encode("utf-8", "backslashreplace")

    def _evidence(self, evidence: dict | None, tone: str) -> list[str]:
        if not evidence:
            return []
        out = []
        for label, found in [*evidence["stances"].items(), (f"tone {tone}", evidence["tone"])]:
            for span in found:
                quote = textwrap.shorten(span["text"], width=self.width - len(label) - 22, placeholder=" ...")
                out.append(f'  evidence {label} (+{span["weight"]:.2f}): "{quote}"')
        return out

    def footer(self) -> bytes:
        return (self.rule + "\n").encode()
