"""The model directory format: ``model.json`` metadata and a sha256 manifest.

``model.json`` is read and checked before anything else in a model directory,
so a model from another format or label schema fails with one clear message
instead of a shape error deep in numpy. ``manifest.json`` lists the sha256 of
every other file written at save time; loading refuses a directory whose
files were changed, truncated or removed. No file is ever read with pickle.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from classifier.errors import ModelExistsError, ModelFormatError
from classifier.schema import SCHEMA_VERSION, schema_dict

FORMAT_VERSION = 1
METADATA_FILE = "model.json"
MANIFEST_FILE = "manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions(
    names: tuple[str, ...] = ("numpy", "scipy", "scikit-learn", "transformers", "torch", "onnxruntime", "tokenizers"),
) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def build_metadata(kind: str, **fields) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "schema": schema_dict(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "library_versions": library_versions(),
        **fields,
    }


def write_manifest(directory: Path) -> None:
    files = sorted(
        p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST_FILE
    )
    manifest = {"format_version": FORMAT_VERSION, "files": {name: _sha256(directory / name) for name in files}}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def model_digest(directory: str | Path) -> str:
    """The model's sha256: of its manifest, which holds the sha256 of every other file, so any change shows."""
    path = Path(directory) / MANIFEST_FILE
    if not path.is_file():
        raise ModelFormatError(f"{directory}: no {MANIFEST_FILE}; retrain the model with `stance train`.")
    return _sha256(path)


def verify_manifest(directory: Path) -> None:
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ModelFormatError(
            f"{directory}: no {MANIFEST_FILE}; the model directory is incomplete "
            "or was not written by this tool. Retrain it with `stance train`."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelFormatError(f"{path}: unreadable manifest ({exc}); retrain the model.") from exc
    for name, expected in files.items():
        target = directory / name
        if not target.is_file():
            raise ModelFormatError(
                f"{directory}: file {name} listed in the manifest is missing; "
                "the model directory is incomplete. Retrain it."
            )
        if _sha256(target) != expected:
            raise ModelFormatError(
                f"{target}: sha256 does not match the manifest; the file was changed "
                "or truncated after training. Refusing to load it; retrain the model."
            )


def read_metadata(directory: str | Path, *, verify: bool = True) -> dict:
    """Check format version, schema and (optionally) the manifest; return the metadata."""
    directory = Path(directory)
    path = directory / METADATA_FILE
    if not directory.is_dir():
        raise ModelFormatError(
            f"{directory}: no such model directory. Train one with `stance train --model tfidf --out DIR`."
        )
    if not path.is_file():
        raise ModelFormatError(f"{directory}: not a model directory (no {METADATA_FILE}).")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno}).") from exc
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{path}: expected a JSON object.")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{path}: model format version {version!r}, but this version of stance "
            f"reads format {FORMAT_VERSION}. Retrain the model with this version "
            "(`stance train`)."
        )
    schema = meta.get("schema") or {}
    expected = schema_dict()
    if schema != expected:
        diffs = [k for k in expected if schema.get(k) != expected[k]]
        raise ModelFormatError(
            f"{path}: model trained with label schema version {schema.get('schema_version')!r} "
            f"(differs in: {', '.join(diffs) or 'all fields'}), but this version uses schema "
            f"{SCHEMA_VERSION}. Retrain the model on data labelled with the current schema."
        )
    if verify:
        verify_manifest(directory)
    return meta


def ensure_writable(out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise ModelExistsError(f"{out} already exists; pass --force to overwrite it.")


def write_model_dir(out: str | Path, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Write a model into a temporary sibling directory, then move it into place.

    An interrupted run leaves any existing model untouched; an existing model
    is replaced only with ``force``.
    """
    out = Path(out)
    ensure_writable(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        write(tmp)
        write_manifest(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
