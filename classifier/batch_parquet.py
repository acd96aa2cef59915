"""Parquet in and out for batch runs, streamed by record batches (pyarrow, already a core dependency).

Reading: one ``InputRow`` per Parquet row, with the same row rules as JSONL
(a null, non-string or empty text is an error row, not a skipped one); every
column is carried through with its Arrow type.

Writing: a Parquet file cannot be appended to once its footer is written, and
a half-written one is unreadable, so the batch run's partial file is a chunk
log instead: each chunk is one small Parquet file, written behind an 8-byte
length. The log resumes byte for byte like a JSONL partial file
(``classifier.batch_checkpoint``); only the finished run turns it into one
Parquet file, a row group per chunk, under one schema.

Output columns: ``id``, ``line``, the input columns (a name that clashes with
a result column is kept as ``input_<name>``), then ``stances`` (list of
strings, primary first), ``primary_stance``, ``tone``, ``warnings`` (list of
strings), ``error``, ``score_<stance>`` and ``tone_<tone>`` (calibrated
probabilities, float64).
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.batch_output import OTHER_FIELDS, RESULT_COLUMNS, _free_name
from classifier.errors import DataError
from classifier.schema import STANCES, TONES

if TYPE_CHECKING:
    import pyarrow as pa

    from classifier.batch_io import InputRow

READ_BATCH_ROWS = 1024
_LENGTH = struct.Struct("<Q")


def _pa():
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def parquet_file(path: Path, source=None):
    """``source`` (an open file, e.g. from a pyarrow filesystem) is read instead of ``path``, which names it."""
    pa, pq = _pa()
    try:
        return pq.ParquetFile(source if source is not None else path)
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from exc


def check_text_column(pf, path: object, text_column: str) -> None:
    names = pf.schema_arrow.names
    if text_column not in names:
        raise DataError(f"{path}: no {text_column!r} column (columns: {', '.join(names)}); pick one with --text-column")


def parquet_row(number: int, record: dict, text_column: str) -> InputRow:
    """The JSONL row rules for one Parquet record: a null, non-string or empty text is an error row."""
    from classifier.batch_io import InputRow

    where = f"row {number}"
    text = record.get(text_column)
    if text is None:
        return InputRow(number, None, record, f"{where}: {text_column!r} is null")
    if not isinstance(text, str):
        return InputRow(number, None, record, f"{where}: {text_column!r} must be a string, got {type(text).__name__}")
    if not text.strip():
        return InputRow(number, None, record, f"{where}: empty text")
    return InputRow(number, text, record)


def row_range(pf, text_column: str, start: int = 0, stop: int | None = None) -> Iterator[InputRow]:
    """Rows ``start`` to ``stop`` (0-based, end excluded) of an open Parquet file, reading only the row groups
    that hold them; rows are numbered from 1 as in the whole file."""
    metadata = pf.metadata
    stop = metadata.num_rows if stop is None else min(stop, metadata.num_rows)
    group_start = 0
    for group in range(metadata.num_row_groups):
        group_stop = group_start + metadata.row_group(group).num_rows
        if group_stop > start and group_start < stop:
            position = group_start
            for batch in pf.iter_batches(batch_size=READ_BATCH_ROWS, row_groups=[group]):
                lo, hi = max(start - position, 0), min(stop - position, batch.num_rows)
                if lo < hi:
                    for offset, record in enumerate(batch.slice(lo, hi - lo).to_pylist()):
                        yield parquet_row(position + lo + offset + 1, record, text_column)
                position += batch.num_rows
                if position >= stop:
                    return
        group_start = group_stop


def parquet_rows(path: Path, text_column: str) -> tuple[list[str], pa.Schema, Iterator[InputRow]]:
    """The column names, the Arrow schema and the rows of a Parquet file (rows read lazily)."""
    pf = parquet_file(path)
    check_text_column(pf, path, text_column)
    schema = pf.schema_arrow
    return list(schema.names), schema, row_range(pf, text_column)


def count_rows(path: Path) -> int:
    return parquet_file(path).metadata.num_rows


class ParquetFormatter:
    """Chunks of results as length-prefixed Parquet blobs under one fixed schema.

    The input columns' types come from the input's Arrow schema when the input
    is Parquet, and are inferred from the first rows otherwise (CSV and text
    columns are strings); fields of later JSONL rows that are not columns go
    into ``other_fields`` as JSON, so nothing is dropped.
    """

    def __init__(self, head: Sequence[InputRow], input_schema: pa.Schema | None, *, other_fields: bool):
        pa, _ = _pa()
        self.other_fields = other_fields
        if input_schema is not None:
            fields = [f for f in input_schema if f.name != "id"]
            id_type = input_schema.field("id").type if "id" in input_schema.names else None
        else:
            fields = self._infer(head)
            id_type = None
        if id_type is None:
            id_type = self._type_of([r.id for r in head])
        reserved = {"id", "line", *RESULT_COLUMNS, *([OTHER_FIELDS] if other_fields else [])}
        self.input_fields = [(f.name, pa.field(_free_name(f.name, reserved), f.type)) for f in fields]
        result_fields = [
            pa.field("stances", pa.list_(pa.string())),
            pa.field("primary_stance", pa.string()),
            pa.field("tone", pa.string()),
            pa.field("warnings", pa.list_(pa.string())),
            pa.field("error", pa.string()),
            *(pa.field(f"score_{s}", pa.float64()) for s in STANCES),
            *(pa.field(f"tone_{t}", pa.float64()) for t in TONES),
        ]
        extra = [pa.field(OTHER_FIELDS, pa.string())] if other_fields else []
        leading = [pa.field("id", id_type), pa.field("line", pa.int64()), *(f for _, f in self.input_fields)]
        self.schema = pa.schema([*leading, *extra, *result_fields])
        self.columns = self.schema.names

    @staticmethod
    def _type_of(values: list) -> pa.DataType:
        pa, _ = _pa()
        try:
            found = pa.array(values).type
        except (pa.ArrowException, TypeError, ValueError):
            return pa.string()
        return pa.string() if pa.types.is_null(found) else found

    def _infer(self, head: Sequence[InputRow]) -> list:
        pa, _ = _pa()
        names: dict[str, None] = {}
        for row in head:
            names.update(dict.fromkeys(k for k in row.fields if k != "id"))
        return [pa.field(n, self._type_of([r.fields.get(n) for r in head])) for n in names]

    def header(self) -> bytes:
        """An empty chunk, so even a run with no rows ends in a file that has the schema."""
        return self.format([], [])

    def format(self, rows: Sequence[InputRow], results: Sequence[dict | None]) -> bytes:
        _, pq = _pa()
        buffer = io.BytesIO()
        pq.write_table(self.table(rows, results), buffer)
        blob = buffer.getvalue()
        return _LENGTH.pack(len(blob)) + blob

    def table(self, rows: Sequence[InputRow], results: Sequence[dict | None]) -> pa.Table:
        """The rows and their results as one Arrow table under ``self.schema``."""
        pa, _ = _pa()
        columns: dict[str, list] = {name: [] for name in self.columns}
        known = {"id", *(source for source, _ in self.input_fields)}
        for row, result in zip(rows, results, strict=True):
            columns["id"].append(row.id)
            columns["line"].append(row.line)
            for source, f in self.input_fields:
                columns[f.name].append(row.fields.get(source))
            if self.other_fields:
                extra = {k: v for k, v in row.fields.items() if k not in known}
                columns[OTHER_FIELDS].append(json.dumps(extra, ensure_ascii=False, default=str) if extra else None)
            failed = result is None or "error" in result
            columns["error"].append(
                (row.error if result is None else f"row {row.number}: {result['error']}") if failed else None
            )
            columns["stances"].append(None if failed else list(result["stances"]))
            columns["primary_stance"].append(None if failed else result["stances"][0])
            columns["tone"].append(None if failed else result["tone"])
            columns["warnings"].append(None if failed else list(result.get("warnings", [])))
            for s in STANCES:
                columns[f"score_{s}"].append(None if failed else result["stance_scores"][s])
            for t in TONES:
                columns[f"tone_{t}"].append(None if failed else result["tone_scores"][t])
        arrays = []
        for f in self.schema:
            try:  # infer, then cast safely: a lossy value (1.5 into an int column) stops the run, never truncates
                arrays.append(pa.array(columns[f.name]).cast(f.type, safe=True))
            except (pa.ArrowException, TypeError, ValueError) as exc:
                first = rows[0].number if rows else 0
                raise DataError(
                    f"rows {first}-{first + len(rows) - 1}: column {f.name!r} does not fit the type {f.type} "
                    f"taken from the first rows ({exc}); write JSONL or CSV for input whose fields change type"
                ) from exc
        return pa.Table.from_arrays(arrays, schema=self.schema)


def finish_parquet(log: Path, target: Path) -> None:
    """Turn a chunk log into ``target``: one Parquet file, a row group per chunk, made durable."""
    _, pq = _pa()
    tmp = target.with_name(target.name + ".tmp")
    writer = None
    try:
        with open(log, "rb") as fh:
            while header := fh.read(_LENGTH.size):
                (size,) = _LENGTH.unpack(header)
                table = pq.read_table(io.BytesIO(fh.read(size)))
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        if writer is None:
            raise DataError(f"{log}: the chunk log is empty; run again without resume")
        writer.close()
        writer = None
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        log.unlink()
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
