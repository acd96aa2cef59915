"""Checkpointed batch output: crash-safe partial files and a safe resume.

A batch run may be killed at any moment, so results never go straight to the
output file. ``PartialFile`` writes them to ``<output>.partial`` and records
in the sidecar ``<output>.partial.json`` how many rows and bytes are durable
on disk (``Done``), together with what identifies the run (input fingerprint,
formats, text column, model). ``check_resume`` reads that record back and
refuses to continue when anything that shaped the output has changed, so a
resumed file is byte-identical to one written in a single run. ``StdoutSink``
is the same interface for output to stdout, which cannot be resumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from classifier.batch_io import InputRow
from classifier.errors import DataError, OutputBusyError, ResumeError
from classifier.files import atomic_write_text, fsync_directory, try_lock

SIDECAR_VERSION = 1
MAX_ERROR_EXAMPLES = 20
_FINGERPRINT_BYTES = 2**20


@dataclass(frozen=True)
class Done:
    """Rows and bytes in the output so far; saved in the sidecar after every chunk."""

    rows: int = 0
    bytes: int = 0
    classified: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()

    def after(self, rows: list[InputRow], results: list[dict | None], n_bytes: int) -> Done:
        errors = list(self.errors)
        failed = 0
        for row, result in zip(rows, results, strict=True):
            if result is None or "error" in result:
                failed += 1
                if len(errors) < MAX_ERROR_EXAMPLES:
                    errors.append(row.error or f"row {row.number}: {result and result['error']}")
        return Done(
            self.rows + len(rows),
            self.bytes + n_bytes,
            self.classified + len(rows) - failed,
            self.failed + failed,
            tuple(errors),
        )


class PartialFile:
    """``<output>.partial`` and its sidecar; ``commit`` moves the finished file onto ``<output>``.

    ``done`` is what the file holds (every chunk written and flushed in full);
    ``recorded`` is what the sidecar says, and never runs ahead of what has
    been fsynced. Recording (fsync + sidecar) happens at most every
    ``checkpoint_seconds`` and when the run stops, because fsyncing every chunk
    costs up to a third of the run time on a busy disk; a hard kill then
    repeats at most that much work on resume.
    """

    resumable = True

    def __init__(self, target: Path, *, checkpoint_seconds: float, finish: Callable[[Path, Path], None] | None = None):
        self.target = target
        self.finish = finish or os.replace  # Parquet output assembles its chunk log into one file instead
        self.partial = target.with_name(target.name + ".partial")
        self.sidecar = target.with_name(target.name + ".partial.json")
        self.checkpoint_seconds = checkpoint_seconds
        self.handle: BinaryIO | None = None
        self.run: dict = {}
        self.done = self.recorded = Done()
        self.recorded_at = float("-inf")

    def load(self) -> dict | None:
        if not self.sidecar.exists():
            return None
        try:
            saved = json.loads(self.sidecar.read_text(encoding="utf-8"))
            if saved.get("version") != SIDECAR_VERSION:
                raise ValueError(f"sidecar version {saved.get('version')!r}")
            saved["done"] = Done(**{**saved["done"], "errors": tuple(saved["done"]["errors"])})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ResumeError(
                f"{self.sidecar}: unreadable progress record ({exc}); run again without resume to start over"
            ) from exc
        return saved

    def open(self, run: dict, done: Done | None) -> None:
        """Start a fresh partial file, or reopen one cut back to the last recorded chunk.

        The partial file is locked before anything is written or cut, so a second
        run on the same output refuses at once and spoils nothing of the first.
        """
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.partial, os.O_RDWR | os.O_CREAT, 0o644)
        handle = os.fdopen(fd, "r+b")
        try:
            _lock(handle, self.target)
            # another run may have renamed its finished file away between our open and our lock
            try:
                current = os.stat(self.partial).st_ino
            except FileNotFoundError:
                current = None
            if os.fstat(handle.fileno()).st_ino != current:
                raise OutputBusyError(f"{self.target}: another run just finished writing this output; run again")
        except BaseException:
            handle.close()
            raise
        self.handle = handle
        self.run = run
        self.done = self.recorded = done or Done()
        if done is None:  # the record first: a partial file never holds rows without one
            self._save()
            handle.truncate(0)
            return
        handle.truncate(done.bytes)
        handle.seek(done.bytes)

    def write(self, data: bytes, done: Done) -> None:
        if self.handle is None:
            raise RuntimeError("write() before open()")
        self.handle.write(data)
        self.handle.flush()
        self.done = done
        if time.monotonic() - self.recorded_at >= self.checkpoint_seconds:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Make the chunks written so far durable, then record them in the sidecar."""
        if self.handle is None or self.recorded == self.done:
            return
        os.fsync(self.handle.fileno())
        self.recorded = self.done
        self._save()
        self.recorded_at = time.monotonic()

    def _save(self) -> None:
        record = {
            "version": SIDECAR_VERSION,
            "output": str(self.target),
            "run": self.run,
            "done": asdict(self.recorded),
        }
        atomic_write_text(self.sidecar, json.dumps(record, indent=1, ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Stop, recording every chunk written in full (a chunk cut short is cut off on resume)."""
        if self.handle is not None:
            self.checkpoint()
            self.handle.close()
            self.handle = None

    def commit(self) -> None:
        if self.handle is not None:
            os.fsync(self.handle.fileno())  # durable before the rename makes it look complete
        try:
            self.finish(self.partial, self.target)  # still locked: no second run can start on it meanwhile
        finally:
            if self.handle is not None:
                self.handle.close()
                self.handle = None
        fsync_directory(self.target.parent)  # the rename onto <output> survives a crash
        self.sidecar.unlink(missing_ok=True)


def _lock(handle: BinaryIO, target: Path) -> None:
    if not try_lock(handle):
        raise OutputBusyError(
            f"{target}: another run is writing this output right now; wait for it to finish or choose "
            "another output file"
        )


class StdoutSink:
    """Results straight to stdout: nothing to rename, nothing to resume."""

    resumable = False

    def __init__(self):
        self.done = Done()
        self.partial = None

    def open(self, run: dict, done: Done | None) -> None:
        self.done = Done()

    def write(self, data: bytes, done: Done) -> None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        self.done = done

    def close(self) -> None:
        sys.stdout.buffer.flush()

    commit = close


def input_fingerprint(path: Path) -> dict:
    """Size plus hashes of the first and last MiB: cheap, and catches edits, appends and swaps."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = hashlib.sha256(fh.read(_FINGERPRINT_BYTES)).hexdigest()
            fh.seek(max(0, size - _FINGERPRINT_BYTES))
            tail = hashlib.sha256(fh.read(_FINGERPRINT_BYTES)).hexdigest()
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return {"size": size, "head_sha256": head, "tail_sha256": tail}


def model_fingerprint(predictor) -> str:
    metadata = getattr(predictor, "metadata", None) or {}
    return hashlib.sha256(json.dumps(metadata, sort_keys=True, default=str).encode()).hexdigest()[:16]


#: what identifies a run, keyed as in the sidecar's "run" record, with how to name each one in an error
RUN_FIELDS = {
    "input": "the input path",
    "input_fingerprint": "the input file's size or content",
    "input_format": "the input format",
    "output_format": "the output format",
    "text_column": "the text column",
    "columns": "the CSV columns",
    "model": "the model",
}


def check_resume(sink: PartialFile, run: dict) -> Done | None:
    """Where to continue from, or None when there is nothing to resume (start afresh)."""
    saved = sink.load()
    if saved is None:
        if sink.partial.exists():
            raise ResumeError(
                f"{sink.partial} exists but {sink.sidecar.name} (its progress record) does not, so "
                "it is unknown how much of it is complete; run again without resume to start over"
            )
        return None
    changed = [key for key in RUN_FIELDS if saved["run"].get(key) != run.get(key)]
    if changed != ["columns"] and "columns" in changed:  # the columns follow from the other settings
        changed.remove("columns")
    if changed:
        changed = [RUN_FIELDS[key] for key in changed]
        raise ResumeError(
            f"cannot resume {sink.partial}: {', '.join(changed)} changed since it was written; "
            "run again without resume to start over"
        )
    done: Done = saved["done"]
    if done.bytes == 0 and not sink.partial.exists():  # stopped before the partial file was created
        return None
    size = sink.partial.stat().st_size if sink.partial.exists() else -1
    if size < done.bytes:
        raise ResumeError(
            f"{sink.partial} is {max(size, 0)} bytes but {done.bytes} were recorded as written; "
            "run again without resume to start over"
        )
    return done
