"""Reading and writing the small JSON and text files the tool produces, and text that will not encode."""

from __future__ import annotations

import json
import os
from pathlib import Path

from classifier.errors import DataError


def atomic_write_text(path: Path, text: str) -> None:
    """Write so that readers see the old version or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
