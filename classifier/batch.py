"""Streaming batch classification: a file of statements in, a file of results out.

Why it is built this way:

- **Flat memory.** Rows are read lazily (``classifier.batch_io``), classified
  ``batch_size`` at a time and written before the next chunk is read, so a
  200,000-row file costs what one chunk costs.
- **One output row per input row, in order.** Rows that cannot be classified
  are written as error rows and counted in ``BatchSummary.failed``; the run
  goes on.
- **No truncated file that looks complete.** Results go to
  ``<output>.partial``; only a finished run renames it onto ``<output>``.
- **Resumable.** Each chunk is flushed to the partial file; at least every
  ``CHECKPOINT_SECONDS``, and whenever the run stops, the file is fsynced and
  only then does the sidecar ``<output>.partial.json`` record the rows and
  bytes done. A crash leaves at most bytes past the recorded size, which
  ``resume=True`` cuts off before skipping the rows recorded, so nothing is
  duplicated or lost. The sidecar also records what identifies the
  run (input size and content hashes, formats, text column, model), and resume
  refuses when any of it changed. The partial file, its sidecar and the resume
  checks live in ``classifier.batch_checkpoint``.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from classifier.batch_checkpoint import (
    Done,
    PartialFile,
    StdoutSink,
    check_resume,
    input_fingerprint,
    model_fingerprint,
)
from classifier.batch_io import InputReader, InputRow, is_stdin, iter_input_rows, resolve_output_format
from classifier.batch_output import CsvFormatter, JsonArrayFormatter, JsonlFormatter, TableFormatter, field_names
from classifier.errors import (
    BatchInterrupted,
    ConfigError,
    OutputBusyError,
    OutputExistsError,
    ResumeError,
)

__all__ = [  # the errors live in classifier.errors; re-exported for callers of run_batch
    "BatchInterrupted",
    "BatchSummary",
    "InputRow",
    "OutputBusyError",
    "OutputExistsError",
    "ResumeError",
    "iter_input_rows",
    "run_batch",
]

#: JSONL -> CSV: the CSV columns are the fields seen in the first rows, read up to these limits
HEADER_SCAN_ROWS = 1000
HEADER_SCAN_CHARS = 16 * 2**20
#: longest time between progress records; a hard kill repeats at most this much work on resume
CHECKPOINT_SECONDS = 1.0

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class BatchSummary:
    """What a run did. ``read == classified + failed``, counting rows written before a resume too."""

    input_path: str
    output_path: str
    input_format: str
    output_format: str
    read: int
    classified: int
    failed: int
    elapsed: float
    resumed_rows: int = 0
    #: the first few error messages, e.g. "line 7: invalid JSON: Expecting value at column 1"
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def describe(self) -> str:
        """A one-line account for the CLI to print."""
        if self.read == 0:
            return f"{self.input_path}: no rows to classify (the input is empty); wrote an empty {self.output_path}"
        rate = (self.read - self.resumed_rows) / self.elapsed if self.elapsed > 0 else 0.0
        text = (
            f"read {self.read} rows from {self.input_path}: {self.classified} classified, {self.failed} failed; "
            f"wrote {self.output_path} in {self.elapsed:.1f} s ({rate:.0f} rows/s)"
        )
        if self.resumed_rows:
            text += f", resuming after row {self.resumed_rows}"
        if self.errors:
            text += f". First error: {self.errors[0]}"
        return text


def classify_rows(predictor, rows: list[InputRow], explain: bool = False) -> list[dict | None]:
    """One result per row; None for rows the reader already marked as errors."""
    todo = [i for i, row in enumerate(rows) if row.error is None and row.text is not None]
    results: list[dict | None] = [None] * len(rows)
    if todo:
        texts = [rows[i].text or "" for i in todo]
        ids = [rows[i].id for i in todo]
        found = predictor.classify(texts, ids, explain=True) if explain else predictor.classify(texts, ids)
        for i, result in zip(todo, found, strict=True):
            results[i] = result
    return results


def chunks(rows: Iterable[InputRow], size: int) -> Iterator[list[InputRow]]:
    """Lists of up to ``size`` rows, read lazily (shared with the stdout path in ``classifier.output``)."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def head_rows(rows: Iterator[InputRow], reader: InputReader, output_format: str) -> list[InputRow]:
    """The first row (so file-level errors and the CSV header come before any output), or for JSONL -> CSV
    the first rows up to the scan limits, whose fields become the CSV columns."""
    head = list(itertools.islice(rows, 1))
    if reader.format != "jsonl" or output_format not in ("csv", "parquet"):
        return head
    chars = sum(len(r.text or "") for r in head)
    while len(head) < HEADER_SCAN_ROWS and chars < HEADER_SCAN_CHARS and (row := next(rows, None)) is not None:
        head.append(row)
        chars += len(row.text or "")
    return head


def make_formatter(output_format: str, reader: InputReader, head: list[InputRow]):
    if output_format == "jsonl":
        return JsonlFormatter()
    if output_format == "json":
        return JsonArrayFormatter()
    if output_format == "table":
        return TableFormatter()
    if output_format == "parquet":
        from classifier.batch_parquet import ParquetFormatter

        return ParquetFormatter(head, reader.arrow_schema, other_fields=reader.format == "jsonl")
    if reader.format == "jsonl":
        return CsvFormatter(field_names(head), other_fields=True)
    return CsvFormatter(reader.columns or [])


def _count_rows(path: Path, input_format: str) -> int | None:
    """Rows in the file for the progress bar: exact for text, JSONL and Parquet, an upper bound for CSV."""
    if input_format == "parquet":
        from classifier.batch_parquet import count_rows

        return count_rows(path)
    if path.suffix.lower() == ".gz":
        return None
    lines, last = 0, b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    lines += bool(last) and last != b"\n"
    return max(0, lines - 1) if input_format in ("csv", "tsv") else lines


def _skip(rows: Iterator[InputRow], n: int, input_name: str) -> None:
    skipped = sum(1 for _ in itertools.islice(rows, n))
    if skipped < n:
        raise ResumeError(f"{input_name} has {skipped} rows but {n} were already written; run again without resume")


def _progress_bar(enabled: bool, total: int | None, initial: int):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="stmt", file=sys.stderr, dynamic_ncols=True, smoothing=0.05)


def _prepare_target(
    input_path: str | Path, output_path: str | Path, *, resume: bool, overwrite: bool, output_format: str
):
    """The sink to write to, after refusing what would lose data."""
    if is_stdin(output_path):
        if output_format == "parquet":
            raise ConfigError("Parquet output needs a file name (--output results.parquet), not stdout")
        if resume:
            raise ResumeError("output to stdout cannot be resumed; write to a file to use resume")
        return StdoutSink()
    target = Path(output_path)
    if target.is_dir():
        raise ConfigError(f"{target} is a directory; give an output file name")
    if not is_stdin(input_path) and target.resolve() == Path(input_path).resolve():
        raise ConfigError(f"{target}: the output file would replace the input file")
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{target} already exists; pass overwrite=True (--force) to replace it")
    if resume and is_stdin(input_path):
        raise ResumeError("a run that reads stdin cannot be resumed; give an input file to use resume")
    if output_format == "parquet":
        from classifier.batch_parquet import finish_parquet

        return PartialFile(target, checkpoint_seconds=CHECKPOINT_SECONDS, finish=finish_parquet)
    return PartialFile(target, checkpoint_seconds=CHECKPOINT_SECONDS)


def run_batch(
    predictor,
    input_path: str | Path,
    output_path: str | Path,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    text_column: str = "text",
    resume: bool = False,
    overwrite: bool = False,
    batch_size: int = 256,
    progress: bool = False,
    on_progress: ProgressCallback | None = None,
    explain: bool = False,
) -> BatchSummary:
    """Classify every row of ``input_path`` into ``output_path`` (``-`` for stdin/stdout), streaming.

    Formats come from the extensions unless given (``batch_io`` documents the
    row rules). ``progress`` draws a tqdm bar on stderr; ``on_progress(rows_done,
    total_or_None)`` is called after every chunk. Raises ``OutputExistsError``
    for an existing output without ``overwrite``, ``ResumeError`` when a resume
    does not match the partial output, ``DataError`` for an unreadable input,
    and ``BatchInterrupted`` on Ctrl-C, leaving the partial output for
    ``resume=True``. Any other exception also leaves the partial output.
    """
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
    started = time.monotonic()
    out_format = resolve_output_format(output_path, output_format)
    sink = _prepare_target(input_path, output_path, resume=resume, overwrite=overwrite, output_format=out_format)
    reader = InputReader(input_path, input_format, text_column)
    from_file = isinstance(input_path, str | Path) and not is_stdin(input_path)
    fingerprint = input_fingerprint(Path(input_path)) if from_file else None
    rows = iter(reader)
    head = head_rows(rows, reader, out_format)
    formatter = make_formatter(out_format, reader, head)
    run = {
        "input": str(Path(input_path).resolve()) if from_file else "-",
        "input_fingerprint": fingerprint,
        "input_format": reader.format,
        "output_format": out_format,
        "text_column": text_column,
        "columns": getattr(formatter, "columns", None),
        "model": model_fingerprint(predictor),
    }
    resumed = check_resume(sink, run) if resume and isinstance(sink, PartialFile) else None
    rows = itertools.chain(head, rows)
    if resumed is not None:
        _skip(rows, resumed.rows, reader.name)
    total = _count_rows(Path(input_path), reader.format or "text") if from_file and (progress or on_progress) else None
    bar = _progress_bar(progress, total, resumed.rows if resumed else 0)
    try:
        sink.open(run, resumed)
        if resumed is None:
            header = formatter.header()
            sink.write(header, Done(bytes=len(header)))
        for chunk in chunks(rows, batch_size):
            results = classify_rows(predictor, chunk, explain)
            data = formatter.format(chunk, results)
            sink.write(data, sink.done.after(chunk, results, len(data)))
            if bar is not None:
                bar.update(len(chunk))
            if on_progress is not None:
                on_progress(sink.done.rows, total)
        footer = formatter.footer() if hasattr(formatter, "footer") else b""
        if footer:
            sink.write(footer, sink.done.after([], [], len(footer)))
    except KeyboardInterrupt as exc:
        sink.close()
        hint = (
            f"Run again with resume=True (--resume) to continue after row {sink.done.rows}; "
            f"the rows so far are in {sink.partial}."
            if sink.resumable and from_file
            else "A run that reads stdin or writes stdout cannot be resumed."
        )
        raise BatchInterrupted(sink.done.rows, hint, sink.partial) from exc
    except BaseException:
        sink.close()
        raise
    finally:
        if bar is not None:
            bar.close()
    sink.commit()
    done = sink.done
    return BatchSummary(
        input_path=reader.name,
        output_path="-" if not isinstance(sink, PartialFile) else str(sink.target),
        input_format=reader.format or "text",
        output_format=out_format,
        read=done.rows,
        classified=done.classified,
        failed=done.failed,
        elapsed=time.monotonic() - started,
        resumed_rows=resumed.rows if resumed else 0,
        errors=done.errors,
    )
