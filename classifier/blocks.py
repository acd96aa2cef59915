"""Archive inputs cut into blocks: the unit of work, of output and of resume for ``--engine ray``.

An archive is one file, a folder or a glob, on local disk or on any filesystem
pyarrow reaches (s3://, gs://, hdfs://). Each file is cut into blocks of about
``block_rows`` rows at row boundaries:

- Parquet by whole row groups: a block takes consecutive groups up to
  ``block_rows`` rows, and a group larger than that is one block. A reader
  cannot enter a row group in the middle (it decodes from the group's first
  row), so cutting inside big groups would decode them many times over;
- JSONL and text by lines: one scan of the file finds the byte offset of each
  block's first line;
- CSV/TSV and gzip files stay whole: a quoted CSV field may span lines, and a
  gzip stream cannot be entered in the middle.

``block_rows`` is rounded up to a multiple of the batch size, and every block
starts on a multiple of the batch size (a Parquet block at the first one at or
after its row group's start, so it enters the group by fewer rows than one
batch), so a block is classified in exactly the chunks a single-process run
over the whole file uses, and every block keeps the file's own row numbers.
A block's rows therefore carry the same ``line``, ids, error messages and scores as the
single-process path. Each block's results are one Parquet file in the output
directory, named after the input file and the block, written whole or not at
all (``classifier.ray_engine``).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from classifier.batch_io import InputReader, InputRow, resolve_input_format
from classifier.errors import ConfigError, DataError

if TYPE_CHECKING:
    from pyarrow import fs as pafs

#: the files a folder contributes (a ``.gz`` of the text formats too); names starting with ``.`` or ``_`` are skipped
ARCHIVE_SUFFIXES = (".parquet", ".pq", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".txt")
SPLITTABLE = ("parquet", "jsonl", "text")
DEFAULT_BLOCK_ROWS = 8192
_SCAN_BYTES = 4 << 20
_GLOB_CHARS = re.compile(r"[*?\[]")


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem and the path on it, for a local path or a URI (s3://, gs://, file://)."""
    import pyarrow as pa
    from pyarrow import fs

    if "://" not in uri:
        return fs.LocalFileSystem(), os.path.abspath(os.path.expanduser(uri))
    try:
        return fs.FileSystem.from_uri(uri)
    except (pa.ArrowException, ValueError, OSError) as exc:
        raise ConfigError(f"{uri}: cannot open this filesystem ({exc})") from exc


def file_uri(spec: str, path: str) -> str:
    """The URI of ``path`` on the filesystem of ``spec``, keeping what opens that filesystem: the host of
    ``hdfs://host:port/...``, the options of ``s3://bucket/key?region=...&endpoint_override=...``."""
    if "://" not in spec:
        return path
    parts = urlsplit(spec)
    if parts.scheme == "file":
        return path
    host = "" if path.lstrip("/").startswith(parts.netloc) else parts.netloc  # s3/gs paths hold the bucket
    return f"{parts.scheme}://{host}{'/' if host and not path.startswith('/') else ''}{path}" + (
        f"?{parts.query}" if parts.query else ""
    )


@dataclass(frozen=True)
class InputFile:
    uri: str
    path: str
    format: str
    size: int
    mtime: str | None

    @property
    def fingerprint(self) -> dict:
        """Size and modification time: cheap on object stores, where any rewrite changes the time."""
        return {"size": self.size, "mtime": self.mtime}


def _glob_regex(pattern: str) -> re.Pattern:
    """A glob as a regular expression: ``*`` and ``?`` stay within one folder, ``**`` crosses folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) > 0:
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _is_archive_name(name: str) -> bool:
    if name.startswith((".", "_")):
        return False
    lowered = name.lower().removesuffix(".gz")
    return lowered.endswith(ARCHIVE_SUFFIXES)


def _hidden(path: str, base: str) -> bool:
    """Whether a file or any folder between ``base`` and it is named with a leading ``.`` or ``_``
    (``_temporary/``, ``.ipynb_checkpoints/``, ``_SUCCESS``)."""
    relative = path[len(base) :].strip("/") if path.startswith(base) else PurePosixPath(path).name
    return any(part.startswith((".", "_")) for part in relative.split("/"))


def list_inputs(
    spec: str, input_format: str | None = None, *, exclude: tuple[str, str] | None = None
) -> list[InputFile]:
    """The input files of ``spec`` (a file, a folder searched recursively, or a glob), sorted by path.

    ``exclude`` is ``(filesystem type, folder)``: a folder whose files are never inputs (the output
    directory, so a rerun over a folder that contains it does not classify its results).
    """
    from pyarrow import fs

    fs_, path = filesystem(spec)
    if match := _GLOB_CHARS.search(path):
        base = path[: match.start()].rsplit("/", 1)[0] or "/"
        regex = _glob_regex(path)
        infos = [i for i in _walk(fs_, base) if regex.match(i.path) and not _hidden(i.path, base)]
    else:
        info = fs_.get_file_info(path)
        if info.type == fs.FileType.NotFound:
            raise DataError(f"{spec}: no such file or directory")
        infos = [info]
        if info.type == fs.FileType.Directory:
            infos = [i for i in _walk(fs_, path) if _is_archive_name(i.base_name) and not _hidden(i.path, path)]
    if exclude is not None and exclude[0] == fs_.type_name:
        skip = exclude[1].rstrip("/") + "/"
        infos = [i for i in infos if not i.path.startswith(skip)]
    if not infos:
        raise DataError(f"{spec}: no input files found (a folder contributes {', '.join(ARCHIVE_SUFFIXES)} files)")
    files = []
    for info in sorted(infos, key=lambda i: i.path):
        fmt = resolve_input_format(info.path, input_format) or "text"
        mtime = info.mtime.isoformat() if info.mtime is not None else None
        files.append(InputFile(file_uri(spec, info.path), info.path, fmt, info.size or 0, mtime))
    return files


def _walk(fs_: pafs.FileSystem, base: str) -> list:
    from pyarrow import fs

    try:
        infos = fs_.get_file_info(fs.FileSelector(base, recursive=True, allow_not_found=True))
    except OSError as exc:
        raise DataError(f"{base}: cannot list ({exc})") from exc
    return [i for i in infos if i.type == fs.FileType.File]


# -- planning -------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Rows ``start`` to ``start + rows`` (0-based) of one input file; ``rows`` -1 means to its end (unknown)."""

    uri: str
    index: int
    format: str
    start: int
    rows: int
    output: str
    offset: int = 0  # byte offset of the first line (JSONL and text)
    length: int = -1  # bytes to read from ``offset``; -1: to the end

    def to_dict(self) -> dict:
        return asdict(self)


def output_name(file: InputFile, index: int) -> str:
    """``<file stem>-<16 hex of the file's URI>-<block>.parquet``: one name per input file and block (the
    planner also refuses a clash outright: partitioned data has thousands of files with one stem)."""
    stem = PurePosixPath(file.path).name.split(".")[0] or "input"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "input"
    digest = hashlib.sha256(file.uri.encode("utf-8")).hexdigest()[:16]
    return f"{stem}-{digest}-{index:05d}.parquet"


def aligned_block_rows(block_rows: int, batch_size: int) -> int:
    """``block_rows`` rounded up to a multiple of ``batch_size``, so blocks cut no chunk in two."""
    if block_rows < 1 or batch_size < 1:
        raise ConfigError(f"block_rows and batch_size must be at least 1 (got {block_rows} and {batch_size})")
    return _round_up(block_rows, batch_size)


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def plan_blocks(file: InputFile, fs_: pafs.FileSystem, block_rows: int, batch_size: int) -> list[Block]:
    """The blocks of one file, covering every row exactly once, in order."""
    if file.format == "parquet":
        from classifier.batch_parquet import parquet_file

        with fs_.open_input_file(file.path) as handle:
            metadata = parquet_file(file.uri, handle).metadata
        groups = [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)]
        starts = parquet_block_starts(groups, block_rows, batch_size)
        total = metadata.num_rows
        bounds = [*starts[1:], total]
        return [
            Block(file.uri, k, "parquet", s, e - s, output_name(file, k))
            for k, (s, e) in enumerate(zip(starts, bounds, strict=True))
        ]
    if file.format in SPLITTABLE and not file.path.lower().endswith(".gz"):
        with fs_.open_input_file(file.path) as handle:
            spans = _line_spans(handle, block_rows)
        return [
            Block(file.uri, k, file.format, start, rows, output_name(file, k), offset, length)
            for k, (start, rows, offset, length) in enumerate(spans)
        ]
    return [Block(file.uri, 0, file.format, 0, -1, output_name(file, 0))]


def parquet_block_starts(group_rows: list[int], block_rows: int, batch_size: int) -> list[int]:
    """First rows of a Parquet file's blocks: at row-group starts (rounded up to the batch size), a new
    block whenever the next group would take the current one past ``block_rows``."""
    total = sum(group_rows)
    starts = [0]
    position = 0
    for rows in group_rows:
        boundary = _round_up(position, batch_size)
        if starts[-1] < boundary < total and position + rows - starts[-1] > block_rows:
            starts.append(boundary)
        position += rows
    return starts


def _line_spans(handle, block_rows: int) -> list[tuple[int, int, int, int]]:
    """``(first row, rows, byte offset, bytes)`` per block, with lines counted as ``batch_io`` counts them:
    a line ends at ``\\n``, and a last line without one is still a row."""
    import numpy as np

    starts = [0]  # byte offset of each block's first line
    lines = position = 0
    last = b""
    while chunk := handle.read(_SCAN_BYTES):
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 0x0A)
        # newline number lines+j+1 ends the last line of a block when it is a multiple of block_rows
        for j in ends[(-lines - 1) % block_rows :: block_rows]:
            starts.append(position + int(j) + 1)
        lines += len(ends)
        position += len(chunk)
        last = chunk[-1:]
    total = lines + (1 if last not in (b"", b"\n") else 0)
    if len(starts) > 1 and starts[-1] >= position:  # the file ends exactly at a block boundary
        starts.pop()
    bounds = [*starts[1:], position]
    return [
        (k * block_rows, max(0, min(block_rows, total - k * block_rows)), offset, end - offset)
        for k, (offset, end) in enumerate(zip(starts, bounds, strict=True))
    ]


# -- reading --------------------------------------------------------------------


class _RawReader(io.RawIOBase):
    """A pyarrow input stream as a Python raw stream, so ``io.BufferedReader`` gives it ``readline``."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_text_stream(fs_: pafs.FileSystem, path: str) -> io.BufferedReader:
    """A whole file as a buffered stream, gunzipped when its name ends in ``.gz`` in any case (pyarrow's
    own detection knows only the lower-case suffix)."""
    compression = "gzip" if path.lower().endswith(".gz") else None
    return io.BufferedReader(_RawReader(fs_.open_input_stream(path, compression=compression)), buffer_size=1 << 20)


def read_block(block: Block, fs_: pafs.FileSystem, path: str, text_column: str) -> Iterator[InputRow]:
    """The rows of one block, numbered as in the whole file; ``DataError`` for a file that cannot be read."""
    if block.format == "parquet":
        from classifier.batch_parquet import check_text_column, parquet_file, row_range

        with fs_.open_input_file(path) as handle:
            pf = parquet_file(block.uri, handle)
            check_text_column(pf, block.uri, text_column)
            yield from row_range(pf, text_column, block.start, block.start + block.rows)
        return
    try:
        if block.length >= 0:
            with fs_.open_input_file(path) as handle:
                handle.seek(block.offset)
                data = handle.read(block.length)
            stream = io.BytesIO(data)
        else:  # a whole file, decompressed by its extension
            stream = open_text_stream(fs_, path)
    except OSError as exc:
        raise DataError(f"{block.uri}: cannot read ({exc})") from exc
    with stream:
        reader = InputReader(stream, block.format, text_column, first_line=block.start + 1, name=block.uri)
        yield from reader
