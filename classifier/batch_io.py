"""Reading statements from JSONL, CSV, text or Parquet files (results are written by ``classifier.batch_output``).

Parquet is read by ``classifier.batch_parquet`` with the same row rules.

Readers turn every input row into exactly one ``InputRow``, in order, so that
output row *n* always answers input row *n*. A row that cannot be classified
(invalid JSON, invalid UTF-8, a missing or empty text, a CSV record with the
wrong number of fields) is not skipped: it carries an ``error`` that names its
line, and the batch run writes it out as an error row. Only problems that make
the whole file unreadable (missing file, no text column, UTF-16, a JSON array)
raise ``DataError``, before any row is produced.

Input is read as bytes and decoded line by line, so one bad byte spoils one
row, not the run, and line numbers mean what an editor shows.

Rules, so every format behaves the same way:

- A line is ended by ``\\n``; a ``\\r`` before it (CRLF) and a UTF-8 byte-order
  mark at the start of the file are dropped. A last line without a line ending
  is still a row.
- Text files: one statement per line; a blank or whitespace-only line is a row
  with the error "empty text", so row numbers equal line numbers.
- JSONL: a blank line is a row with the error "empty line", for the same reason.
- CSV: the first record is the header; a quoted field may span lines (the row
  is one record); a blank line is a row with the error "empty line".
- stdin (``-``) or a stream with no format given is read as JSONL when its first
  line starts with ``{``, otherwise as text.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from classifier.batch_output import RESULT_COLUMNS as RESULT_COLUMNS  # re-exported: the CSV result columns
from classifier.errors import ConfigError, DataError
from classifier.files import encodes_as_utf8

INPUT_FORMATS = ("jsonl", "csv", "tsv", "text", "parquet")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
#: what standard output can show: the streaming file formats, and two for people
STDOUT_FORMATS = ("table", "json", "jsonl", "csv")
_ALIASES = {"json": "jsonl", "ndjson": "jsonl", "txt": "text", "pq": "parquet"}
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_DELIMITERS = {"csv": ",", "tsv": "\t"}
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: csv refuses fields over 128 KiB by default; a book-length statement is a valid row
_CSV_FIELD_LIMIT = 2**31 - 1

Source = str | Path | BinaryIO


@dataclass(frozen=True)
class InputRow:
    """One input row: ``text`` to classify, or ``error`` saying why it cannot be.

    ``number`` is 1-based and counts rows (records), blank and broken ones
    included. ``fields`` are the row's own fields, carried to the output
    unchanged (for a text file: ``{"text": line}``).
    """

    number: int
    text: str | None
    fields: dict = field(default_factory=dict)
    error: str | None = None
    #: the line the row starts on (a CSV record may span lines); 0 means the same as ``number``
    start_line: int = 0
    #: the id when the row has no readable ``id`` field: the line number for text files (which have no
    #: ids, so it cannot collide), the id found in an unparsable JSON line when it is unambiguous
    fallback_id: object = None

    @property
    def line(self) -> int:
        return self.start_line or self.number

    @property
    def id(self) -> object:
        """The input's ``id`` when it has a non-empty one, else ``fallback_id`` (often None).

        Never the row number for JSONL or CSV input: a file whose ids are row
        numbers would then give an unreadable row the id of another row.
        """
        value = self.fields.get("id")
        return self.fallback_id if value is None or value == "" else value


def is_stdin(source: object) -> bool:
    return isinstance(source, str | Path) and str(source) == "-"


def _normalise_format(name: str, allowed: Sequence[str]) -> str:
    fmt = _ALIASES.get(name.lower(), name.lower())
    if fmt not in allowed:
        raise ConfigError(f"unknown format {name!r}; choose one of: {', '.join(allowed)}")
    return fmt


def _suffix(path: Path) -> str:
    """The extension that names the format, looking through a ``.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def resolve_input_format(source: Source, input_format: str | None) -> str | None:
    """The explicit format, else one from the file extension (unknown: text); None for streams (sniffed)."""
    if input_format:
        return _normalise_format(input_format, INPUT_FORMATS)
    if not isinstance(source, str | Path) or is_stdin(source):
        return None
    return _EXTENSIONS.get(_suffix(Path(source)), "text")


def resolve_output_format(target: str | Path, output_format: str | None) -> str:
    """The explicit format, else from a .csv or .parquet name, and JSONL for anything else (stdout too)."""
    if is_stdin(target) and output_format in ("table", "json"):
        return output_format
    if output_format:
        return _normalise_format(output_format, OUTPUT_FORMATS)
    named = None if is_stdin(target) else _EXTENSIONS.get(_suffix(Path(target)))
    return named if named in ("csv", "parquet") else "jsonl"


# -- reading ------------------------------------------------------------------


class InputReader:
    """The rows of one input, read lazily; iterate it once.

    ``format`` is resolved at construction for files and on the first line for
    streams; ``columns`` (the CSV header, or ``["text"]`` for text files) is
    known once iteration has started, so a writer can build its header.
    """

    def __init__(
        self,
        source: Source,
        input_format: str | None = None,
        text_column: str = "text",
        *,
        first_line: int = 1,
        name: str | None = None,
    ):
        self.source = source
        self.text_column = text_column
        #: the number of the stream's first line: a block of a larger file (``classifier.blocks``) keeps the
        #: file's own line numbers, so its ids and error messages match a run over the whole file
        self.first_line = first_line
        self.format = resolve_input_format(source, input_format)
        self.columns: list[str] | None = None
        self.arrow_schema = None  # Parquet input: the Arrow schema, so Parquet output keeps the column types
        if name is None:
            name = "<stdin>" if is_stdin(source) else str(source) if isinstance(source, str | Path) else "<stream>"
        self.name = name

    def _open(self) -> contextlib.AbstractContextManager[BinaryIO]:
        if is_stdin(self.source):
            return contextlib.nullcontext(sys.stdin.buffer)
        if not isinstance(self.source, str | Path):
            return contextlib.nullcontext(self.source)
        path = Path(self.source)
        try:
            return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")
        except FileNotFoundError as exc:
            raise DataError(f"{path}: file not found") from exc
        except OSError as exc:
            raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc

    def __iter__(self) -> Iterator[InputRow]:
        if self.format == "parquet":
            yield from self._parquet_rows()
            return
        with self._open() as stream:
            lines = _lines(stream, self.name, self.first_line)
            first = next(lines, None)
            if self.format is None:  # a stream: sniff its first line (an empty stream reads as text)
                self.format = "jsonl" if first is not None and first[1].lstrip().startswith(b"{") else "text"
            if first is None:
                self.columns = {"text": ["text"], "jsonl": None}.get(self.format, [])
                return
            lines = itertools.chain([first], lines)
            if self.format == "jsonl":
                if first[0] == 1 and first[1].lstrip().startswith(b"["):
                    raise DataError(
                        f"{self.name}: line 1: this looks like a JSON array, not JSON Lines "
                        "(one object per line); convert it first, e.g. `jq -c '.[]'`"
                    )
                yield from _jsonl_rows(lines, self.text_column)
            elif self.format == "text":
                self.columns = ["text"]
                yield from _text_rows(lines)
            else:
                yield from self._csv_rows(lines)

    def _parquet_rows(self) -> Iterator[InputRow]:
        from classifier.batch_parquet import parquet_rows

        if not isinstance(self.source, str | Path) or is_stdin(self.source):
            raise ConfigError("Parquet input must be a file: a stream cannot be read by row groups")
        self.columns, self.arrow_schema, rows = parquet_rows(Path(self.source), self.text_column)
        yield from rows

    def _csv_rows(self, lines: Iterator[tuple[int, bytes, bool]]) -> Iterator[InputRow]:
        old_limit = csv.field_size_limit(_CSV_FIELD_LIMIT)
        try:
            yield from _csv_rows(self, lines)
        finally:
            csv.field_size_limit(old_limit)


def iter_input_rows(source: Source, input_format: str | None = None, text_column: str = "text") -> Iterator[InputRow]:
    """Every row of ``source`` (a path, ``-`` for stdin, or a binary stream), lazily and in order.

    Raises ``DataError`` only for a file that cannot be read at all; a bad row
    becomes an ``InputRow`` with ``error`` set.
    """
    return iter(InputReader(source, input_format, text_column))


def _lines(stream: BinaryIO, name: str, first_line: int = 1) -> Iterator[list]:
    """``[line number, bytes without the line ending, whether it had one]``, one list per line.

    A list, and no reference kept here, so a reader that clears the bytes
    once decoded holds a giant line in memory only once. Numbering starts at
    ``first_line``; only a stream that starts the file (line 1) is checked
    for byte-order marks.
    """
    try:
        number = first_line - 1
        while raw := stream.readline():
            number += 1
            if number == 1:
                if raw.startswith(_UTF16_BOMS):
                    raise DataError(
                        f"{name}: the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                        "save it as UTF-8 and try again"
                    )
                raw = raw.removeprefix(_UTF8_BOM)
            ended = raw.endswith(b"\n")
            if ended:
                raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
            item = [number, raw, ended]
            del raw
            yield item
    except (OSError, EOFError) as exc:  # a corrupt or truncated .gz surfaces while reading
        raise DataError(f"{name}: cannot read: {exc}") from exc


def _decode(raw: bytes, where: str) -> tuple[str | None, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{where}: invalid UTF-8 ({exc.reason} at byte {exc.start + 1})"


def _visible(raw: bytes) -> str:
    """Undecodable bytes shown as ``\\xNN`` so an error row still points at its content."""
    return raw.decode("utf-8", "backslashreplace")


def _text_rows(lines: Iterable[tuple[int, bytes, bool]]) -> Iterator[InputRow]:
    for number, raw, _ in lines:
        text, error = _decode(raw, f"line {number}")
        if text is None:
            yield InputRow(number, None, {"text": _visible(raw)}, error, fallback_id=number)
        elif not text.strip():
            yield InputRow(number, None, {"text": text}, f"line {number}: empty text", fallback_id=number)
        else:
            yield InputRow(number, text, {"text": text}, fallback_id=number)


_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def _salvage_fields(raw: bytes) -> dict:
    """The fields of a JSON line with bad bytes, read with U+FFFD in their place, so its error row keeps its id."""
    try:
        record = json.loads(raw.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return {}
    return record if isinstance(record, dict) else {}


_ID_FIELD = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,30})\s*[,}]')


def recover_id(raw: bytes) -> object:
    """The id of an unparsable JSON line, when exactly one ``"id": value`` pair can be read in it."""
    found = _ID_FIELD.findall(raw[: 1 << 20])
    if len(found) != 1:
        return None
    try:
        return json.loads(found[0])
    except ValueError:
        return None


def _jsonl_rows(lines: Iterable[list], text_column: str) -> Iterator[InputRow]:
    for item in lines:
        number, raw, ended = item
        item[1] = None  # the reader's copy of a giant line goes as soon as it is decoded
        where = f"line {number}"
        line, error = _decode(raw, where)
        if line is None:
            yield InputRow(number, None, _salvage_fields(raw), error)
            continue
        if not line.strip():
            yield InputRow(number, None, {}, f"{where}: empty line")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            hint = "" if ended else " (the last line has no line ending: the file may be truncated)"
            at = "" if exc.msg.endswith(" at") else " at"  # "Unterminated string starting at"
            message = f"{where}: invalid JSON: {exc.msg}{at} column {exc.colno}{hint}"
            yield InputRow(number, None, {}, message, fallback_id=recover_id(raw))
            continue
        except RecursionError:
            yield InputRow(number, None, {}, f"{where}: invalid JSON: nested too deeply", fallback_id=recover_id(raw))
            continue
        except ValueError as exc:  # e.g. an integer longer than Python converts
            yield InputRow(number, None, {}, f"{where}: invalid JSON: {exc}", fallback_id=recover_id(raw))
            continue
        del raw, line  # only the parsed record keeps the text
        if not isinstance(record, dict):
            kind = _JSON_TYPES.get(type(record), "null")
            yield InputRow(number, None, {}, f"{where}: expected a JSON object, got {kind}")
            continue
        text = record.get(text_column)
        if text_column not in record:
            yield InputRow(number, None, record, f"{where}: no {text_column!r} field")
        elif not isinstance(text, str):
            kind = _JSON_TYPES.get(type(text), "null")
            yield InputRow(number, None, record, f"{where}: {text_column!r} must be a string, got {kind}")
        elif not text.strip():
            yield InputRow(number, None, record, f"{where}: empty text")
        else:
            yield InputRow(number, text, record)


def _csv_header(reader: Iterator[list[str]], name: str, text_column: str) -> list[str] | None:
    for header in reader:
        if not header:  # blank lines before the header
            continue
        if any(not encodes_as_utf8(h) for h in header):
            raise DataError(f"{name}: the header is not valid UTF-8")
        duplicates = sorted({h for h in header if header.count(h) > 1})
        if duplicates:
            raise DataError(f"{name}: duplicate column name(s) in the header: {', '.join(map(repr, duplicates))}")
        if text_column not in header:
            raise DataError(
                f"{name}: no {text_column!r} column; the columns are {', '.join(map(repr, header))} "
                "(choose one with --text-column)"
            )
        return header
    return None


def _csv_rows(source: InputReader, lines: Iterator[tuple[int, bytes, bool]]) -> Iterator[InputRow]:
    decoded = (raw.decode("utf-8", "surrogateescape") + ("\n" if ended else "") for _, raw, ended in lines)
    reader = csv.reader(decoded, delimiter=_DELIMITERS[source.format or "csv"])
    header = _csv_header(reader, source.name, source.text_column)
    source.columns = header or []
    if header is None:
        return
    column = source.text_column
    for number in itertools.count(1):
        start = reader.line_num + 1
        where = f"line {start}"
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputRow(number, None, {}, f"{where}: malformed CSV: {exc}", start_line=start)
            continue
        yield replace(_csv_row(number, values, header, column, where), start_line=start)


def _csv_row(number: int, values: list[str], header: list[str], column: str, where: str) -> InputRow:
    if not values:
        return InputRow(number, None, {}, f"{where}: empty line")
    if any(not encodes_as_utf8(v) for v in values):
        shown = [_visible(v.encode("utf-8", "surrogateescape")) for v in values]
        return InputRow(number, None, dict(zip(header, shown, strict=False)), f"{where}: invalid UTF-8")
    if len(values) != len(header):
        fields = dict(zip(header, values, strict=False))
        problem = f"no {column!r} value" if column not in fields else "wrong number of fields"
        message = f"{where}: {problem}: the row has {len(values)} fields, the header has {len(header)}"
        return InputRow(number, None, fields, message)
    fields = dict(zip(header, values, strict=True))
    if not fields[column].strip():
        return InputRow(number, None, fields, f"{where}: empty text")
    return InputRow(number, fields[column], fields)
