"""An archive run's plan, its resume record and the writing of one block: everything but Ray itself.

The output directory holds one Parquet file per block (``classifier.blocks``)
and a run record, ``_stance_run.json``, written before any block starts: the
model's sha256, the settings that decide the blocks and their scores, and
every input file's fingerprint and blocks. Pyarrow and pandas skip files whose
names start with ``_`` or ``.``, so ``pandas.read_parquet(DIR)`` reads only
results.

Resume is exact because a block's file appears whole or not at all: it is
written under a temporary name and renamed (local disk), or written as a
temporary object and moved (object stores, where a move is a copy that lands
whole). Rerunning the same command re-plans nothing that is recorded, checks
every finished block's footer (its row count must match the plan) and runs
only the blocks that are missing or damaged. A block that was running when a
run died is run again from its start; no row is written twice or lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.batch import chunks, classify_rows, head_rows, make_formatter
from classifier.batch_io import InputReader
from classifier.blocks import (
    Block,
    InputFile,
    aligned_block_rows,
    filesystem,
    list_inputs,
    open_text_stream,
    plan_blocks,
    read_block,
)
from classifier.errors import ConfigError, DataError, OutputBusyError, OutputExistsError, ResumeError
from classifier.files import fsync_directory, try_lock

if TYPE_CHECKING:
    from pyarrow import fs as pafs

RUN_FILE = "_stance_run.json"
RUN_FORMAT = 1
MODEL_COLUMN = "model_sha256"
#: run settings that must match for a rerun to continue, with how to name each in an error
_RUN_SETTINGS = {
    "input": "input",
    "model_sha256": "model",
    "max_chars": "--max-chars",
    "text_column": "text column",
    "input_format": "input format",
    "batch_size": "batch size",
    "block_rows": "block size",
}


@dataclass
class Plan:
    """What a run will do: every block of every input file, which are done, and the writers' schemas."""

    output_dir: str
    files: list[InputFile]
    blocks: list[Block]
    done: dict[str, tuple[int, int]]  # block output name -> (rows, failed rows) of finished blocks
    formatters: dict  # input URI -> ParquetFormatter, for files with blocks still to run
    settings: dict
    redone: list[str] = field(default_factory=list)  # input files that changed: their old blocks were deleted

    @property
    def pending(self) -> list[Block]:
        return [b for b in self.blocks if b.output not in self.done]

    @property
    def total_rows(self) -> int | None:
        """Rows in all inputs, or None when a CSV or gzip file's count is unknown until it is read."""
        if any(b.rows < 0 for b in self.pending):
            return None
        return sum(b.rows for b in self.pending) + sum(rows for rows, _ in self.done.values())


def _read_record(fs_: pafs.FileSystem, root: str) -> dict | None:
    from pyarrow import fs

    path = f"{root}/{RUN_FILE}"
    if fs_.get_file_info(path).type == fs.FileType.NotFound:
        return None
    try:
        with fs_.open_input_stream(path) as handle:
            record = json.loads(handle.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResumeError(f"{path}: unreadable run record ({exc}); pass --force to start the run over") from exc
    if not isinstance(record, dict) or record.get("format_version") != RUN_FORMAT:
        raise ResumeError(f"{path}: not a run record this version writes; pass --force to start the run over")
    return record


def _write_json(fs_: pafs.FileSystem, path: str, data: dict) -> None:
    payload = (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")
    _write_whole(fs_, path, lambda target: _write_bytes(fs_, target, payload))


def _write_bytes(fs_: pafs.FileSystem, target: str, payload: bytes) -> None:
    with fs_.open_output_stream(target) as handle:
        handle.write(payload)


def _is_local(fs_: pafs.FileSystem) -> bool:
    from pyarrow import fs

    return isinstance(fs_, fs.LocalFileSystem)


def _write_whole(fs_: pafs.FileSystem, path: str, write) -> None:
    """``write(temporary path)``, then make it ``path`` in one step; a failure leaves no file under ``path``."""
    head, _, name = path.rpartition("/")
    tmp = f"{head}/.{name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        write(tmp)
        if _is_local(fs_):
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            fsync_directory(Path(head or "/"))
        else:
            fs_.move(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            fs_.delete_file(tmp)
        raise


def _delete(fs_: pafs.FileSystem, path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        fs_.delete_file(path)


#: held by the driver of a run for its whole length, so a second run on the same directory refuses at once
LOCK_FILE = ".stance_run.lock"


@contextlib.contextmanager
def run_lock(output_dir: str):
    """Hold the output directory for one run (local disk; object stores have no locks, one run is on the user).

    Without it a second run on the same directory deletes the first one's temporary block files as stale,
    so the first run's blocks fail, and a ``--force`` deletes its finished ones.
    """
    out_fs, root = filesystem(output_dir)
    root = root.rstrip("/") or "/"
    if not _is_local(out_fs) or os.path.isfile(root):  # a file: plan_run says what is wrong with that
        yield
        return
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, LOCK_FILE), "a") as handle:
        if not try_lock(handle):
            raise OutputBusyError(
                f"{root}: another run is writing this output directory right now; wait for it to finish or "
                "choose another --output"
            )
        yield


def plan_run(
    input_spec: str,
    output_dir: str,
    *,
    model_sha256: str,
    batch_size: int,
    block_rows: int,
    text_column: str = "text",
    input_format: str | None = None,
    max_chars: int | None = None,
    force: bool = False,
) -> Plan:
    """Plan (or re-plan) a run and write its record; raise ``ResumeError`` where continuing would mix runs.

    An input file that changed since its blocks were written has them deleted and is planned afresh
    (``Plan.redone``), so fixing a file and rerunning redoes that file and nothing else.
    """
    from pyarrow import fs

    out_fs, root = filesystem(output_dir)
    root = root.rstrip("/") or "/"
    if _is_local(out_fs):
        output_dir = root  # absolute: actors on other machines or in other folders write where the driver means
    kind = out_fs.get_file_info(root).type
    if kind == fs.FileType.File:
        raise OutputExistsError(f"{output_dir} is a file; --engine ray writes a directory of Parquet files")
    out_fs.create_dir(root, recursive=True)
    settings = {
        "input": input_spec if "://" in input_spec else os.path.abspath(os.path.expanduser(input_spec)),
        "max_chars": max_chars,
        "model_sha256": model_sha256,
        "text_column": text_column,
        "input_format": input_format,
        "batch_size": batch_size,
        "block_rows": aligned_block_rows(block_rows, batch_size),
    }
    if force:
        _delete_run(out_fs, root)
    record = _read_record(out_fs, root)
    if record is not None:
        _check_settings(record, settings, output_dir)
    elif any(i.base_name.endswith(".parquet") for i in _listing(out_fs, root)):
        raise OutputExistsError(
            f"{output_dir} already holds Parquet files but no run record ({RUN_FILE}); give an empty or new "
            "directory (--force deletes the block files an earlier run left there)"
        )
    files = list_inputs(input_spec, input_format, exclude=(out_fs.type_name, root))
    recorded = dict(record["files"]) if record else {}
    names = {i.base_name for i in _listing(out_fs, root)}
    redone = _forget_changed(files, recorded, names, out_fs, root)
    blocks, problems = _plan_files(files, recorded, settings["block_rows"], batch_size)
    _refuse_clashes(blocks)
    done = {b.output: found for b in blocks if b.output in names and (found := _finished(out_fs, root, b))}
    formatters = {}
    for file in files:
        if file.uri in recorded and any(b.uri == file.uri and b.output not in done for b in blocks):
            try:
                formatters[file.uri] = file_formatter(file, text_column)
            except DataError as exc:
                problems.append(str(exc))
    if problems:
        raise DataError(problems)
    _write_json(out_fs, f"{root}/{RUN_FILE}", {"format_version": RUN_FORMAT, **settings, "files": recorded})
    _remove_stale_temporaries(out_fs, root)
    return Plan(output_dir, files, blocks, done, formatters, settings, redone)


#: the block files this engine writes (``blocks.output_name``)
_OUR_PART = re.compile(r"^.+-[0-9a-f]{16}-\d{5}\.parquet$")


def _delete_run(fs_: pafs.FileSystem, root: str) -> None:
    """``--force``: the run record and every block file an earlier run wrote, even when the record is lost."""
    for info in _listing(fs_, root):
        if info.base_name == RUN_FILE or _OUR_PART.match(info.base_name):
            _delete(fs_, info.path)


def _forget_changed(files: list[InputFile], recorded: dict, names: set[str], fs_, root: str) -> list[str]:
    """Delete the blocks of input files whose size or modification time changed since they were planned."""
    changed = []
    for file in files:
        entry = recorded.get(file.uri)
        if entry is not None and entry.get("fingerprint") != file.fingerprint:
            for block in entry["blocks"]:
                if block["output"] in names:
                    _delete(fs_, f"{root}/{block['output']}")
                    names.discard(block["output"])
            del recorded[file.uri]
            changed.append(file.uri)
    return changed


def _refuse_clashes(blocks: list[Block]) -> None:
    seen: dict[str, str] = {}
    for block in blocks:
        other = seen.setdefault(block.output, block.uri)
        if other != block.uri:
            raise ConfigError(f"{other} and {block.uri} would both write {block.output}; rename one of them")


def _plan_files(
    files: list[InputFile], recorded: dict, block_rows: int, batch_size: int
) -> tuple[list[Block], list[str]]:
    """Every file's blocks: as recorded when the file is unchanged, else planned now (and recorded)."""
    blocks: list[Block] = []
    problems: list[str] = []
    for file in files:
        entry = recorded.get(file.uri)
        if entry is not None:
            file_blocks = [Block(**b) for b in entry["blocks"]]
        else:
            in_fs, _ = filesystem(file.uri)
            try:
                file_blocks = plan_blocks(file, in_fs, block_rows, batch_size)
            except (DataError, OSError) as exc:
                problems.append(str(exc) if isinstance(exc, DataError) else f"{file.uri}: cannot read ({exc})")
                continue
            recorded[file.uri] = {
                "fingerprint": file.fingerprint,
                "format": file.format,
                "blocks": [b.to_dict() for b in file_blocks],
            }
        blocks.extend(file_blocks)
    return blocks, problems


def _check_settings(record: dict, settings: dict, output_dir: str) -> None:
    for key, what in _RUN_SETTINGS.items():
        if record.get(key) != settings[key]:
            raise ResumeError(
                f"{output_dir} holds a run with another {what} ({record.get(key)!r}, this run: {settings[key]!r}); "
                "use a new output directory, or pass --force to delete that run's results and start over"
            )


def _listing(fs_: pafs.FileSystem, root: str) -> list:
    from pyarrow import fs

    return [i for i in fs_.get_file_info(fs.FileSelector(root, allow_not_found=True)) if i.type == fs.FileType.File]


def _remove_stale_temporaries(fs_: pafs.FileSystem, root: str) -> None:
    """Temporary files of blocks that were being written when an earlier run died."""
    for info in _listing(fs_, root):
        if info.base_name.startswith(".") and info.base_name.endswith(".tmp"):
            _delete(fs_, info.path)


def _finished(fs_: pafs.FileSystem, root: str, block: Block) -> tuple[int, int] | None:
    """(rows, failed rows) of a block's file when its footer reads and its rows match the plan, else None."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with fs_.open_input_file(f"{root}/{block.output}") as handle:
            metadata = pq.ParquetFile(handle).metadata
    except (OSError, pa.ArrowException):
        return None
    rows = metadata.num_rows
    if block.rows >= 0 and rows != block.rows:
        return None
    names = metadata.schema.to_arrow_schema().names
    if "error" not in names:
        return None
    column = names.index("error")
    failed = 0
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(column)
        stats = chunk.statistics
        if stats is None or stats.null_count is None:
            return None
        failed += chunk.num_values - stats.null_count
    return rows, failed


def file_formatter(file: InputFile, text_column: str):
    """The Parquet writer for one input file's blocks, built from its head as a single-process run builds it."""
    from classifier.batch_parquet import ParquetFormatter, check_text_column, parquet_file, row_range

    fs_, path = filesystem(file.uri)
    try:
        if file.format == "parquet":
            with fs_.open_input_file(path) as handle:
                pf = parquet_file(file.uri, handle)
                check_text_column(pf, file.uri, text_column)
                head = list(row_range(pf, text_column, 0, 1))
                return ParquetFormatter(head, pf.schema_arrow, other_fields=False)
        with open_text_stream(fs_, path) as stream:
            reader = InputReader(stream, file.format, text_column, name=file.uri)
            rows = iter(reader)
            head = head_rows(rows, reader, "parquet")
            return make_formatter("parquet", reader, head)
    except OSError as exc:
        raise DataError(f"{file.uri}: cannot read ({exc})") from exc


# -- one block ------------------------------------------------------------------


@dataclass
class BlockResult:
    output: str
    rows: int = 0
    classified: int = 0
    failed: int = 0
    first_error: str | None = None
    #: why the block could not be written at all (an unreadable file); the block stays to do
    error: str | None = None
    seconds: float = 0.0
    pid: int = 0
    max_rss_mib: float = 0.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class BlockWriter:
    """Classifies blocks with one predictor and writes each block's Parquet file whole."""

    def __init__(self, predictor, *, model_sha256: str, output_dir: str, text_column: str, batch_size: int, formatters):
        self.predictor = predictor
        self.model_sha256 = model_sha256
        self.fs, root = filesystem(output_dir)
        self.root = root.rstrip("/") or "/"
        self.text_column = text_column
        self.batch_size = batch_size
        self.formatters = formatters

    def write(self, block: Block) -> BlockResult:
        """Write one block; any failure becomes ``BlockResult.error`` (naming the file), so one damaged file
        cannot stop the blocks of the others."""
        import pyarrow as pa

        started = time.monotonic()
        result = BlockResult(block.output, pid=os.getpid())
        try:
            self._write(block, result)
        except DataError as exc:
            result = BlockResult(block.output, error=str(exc), pid=os.getpid())
        except (OSError, pa.ArrowException) as exc:
            why = f"{block.uri}: block {block.index} (rows from {block.start + 1}): cannot read ({exc})"
            result = BlockResult(block.output, error=why, pid=os.getpid())
        except Exception as exc:  # a cluster run reports a bad block and goes on; the rerun retries it
            why = f"{block.uri}: block {block.index}: unexpected {type(exc).__name__}: {exc}"
            result = BlockResult(block.output, error=why, pid=os.getpid())
        result.seconds = time.monotonic() - started
        result.max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return result

    def _write(self, block: Block, result: BlockResult) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        formatter = self.formatters[block.uri]
        schema = formatter.schema.append(pa.field(MODEL_COLUMN, pa.string()))
        in_fs, path = filesystem(block.uri)

        def write(target: str) -> None:
            if _is_local(self.fs):
                fill(target)
                return
            sink = self.fs.open_output_stream(target)
            try:  # closed on failure too, so the temporary object exists by the time it is deleted
                fill(sink)
            finally:
                sink.close()

        def fill(sink) -> None:
            with pq.ParquetWriter(sink, schema) as writer:
                for chunk in chunks(read_block(block, in_fs, path, self.text_column), self.batch_size):
                    results = classify_rows(self.predictor, chunk)
                    table = formatter.table(chunk, results)
                    table = table.append_column(MODEL_COLUMN, pa.array([self.model_sha256] * len(chunk), pa.string()))
                    writer.write_table(table)
                    result.rows += len(chunk)
                    failed = sum(1 for r in results if r is None or "error" in r)
                    result.failed += failed
                    result.classified += len(chunk) - failed
                    if failed and result.first_error is None:
                        result.first_error = next(e for e in table.column("error").to_pylist() if e)
                if block.rows >= 0 and result.rows != block.rows:
                    raise DataError(
                        f"{block.uri}: block {block.index} should hold {block.rows} rows from row "
                        f"{block.start + 1} but {result.rows} were read: the file changed after the run was "
                        "planned; run the same command again to redo it"
                    )

        _write_whole(self.fs, f"{self.root}/{block.output}", write)


@dataclass
class ArchiveSummary:
    """What an archive run did, counting blocks finished by earlier runs too."""

    output_dir: str
    files: int
    blocks: int
    blocks_before: int
    rows_before: int
    read: int
    classified: int
    failed: int
    elapsed: float
    failed_blocks: list[tuple[str, str]] = field(default_factory=list)  # (output, why)
    errors: list[str] = field(default_factory=list)
    memory_mib: dict[int, float] = field(default_factory=dict)  # peak resident memory per worker process
    redone: list[str] = field(default_factory=list)  # input files that changed since an earlier run

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.failed_blocks

    def describe(self) -> str:
        new_rows = self.read - self.rows_before
        rate = new_rows / self.elapsed if self.elapsed > 0 else 0.0
        text = (
            f"{self.files} file(s), {self.blocks} block(s) -> {self.output_dir}: "
            f"{self.read} rows ({self.classified} classified, {self.failed} failed)"
        )
        if self.redone:
            text += f"; {len(self.redone)} file(s) changed since the last run and were redone ({self.redone[0]} ...)"
        if self.blocks_before:
            text += f"; {self.blocks_before} block(s) ({self.rows_before} rows) were done by an earlier run"
        if self.blocks_before == self.blocks:
            text += ", nothing left to do"
        else:
            text += f"; {new_rows} rows in {self.elapsed:.1f} s ({rate:.0f} rows/s)"
        if self.errors:
            text += f". First row error: {self.errors[0]}"
        if self.failed_blocks:
            output, why = self.failed_blocks[0]
            text += (
                f". {len(self.failed_blocks)} block(s) could not be written (first: {output}: {why}); "
                "fix the input and run the same command again"
            )
        return text
