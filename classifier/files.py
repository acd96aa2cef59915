"""Reading and writing the small JSON and text files the tool produces, and text that will not encode."""

from __future__ import annotations

import json
import os
from pathlib import Path

from classifier.errors import DataError


def atomic_write_text(path: Path, text: str) -> None:
    """Write so that readers see the old version or the new one, never half of one, even after a power cut.

    The new file is fsynced before the rename (otherwise a crash can leave the new name on an empty
    file) and the directory after it (otherwise the rename itself may be lost).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on a directory
        pass
    finally:
        os.close(fd)


def try_lock(handle) -> bool:
    """Take an exclusive advisory lock on an open file without waiting; False when another process holds it.

    True where the platform has no such locks (Windows): one run per output is then on the user.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def read_json(path: Path, what: str = "file"):
    """Parse a JSON file; a missing or broken file is a ``DataError`` naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"{path}: {what} not found") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from exc


def encodes_as_utf8(text: str) -> bool:
    """False for text holding lone surrogates (``\\ud800`` JSON escapes, bytes kept by ``surrogateescape``)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
