"""Reading and validating labelled statements (JSONL).

Validation walks the file line by line so that every problem can be reported
as ``FILE:LINE: field: message``, all at once, before any training starts.
The validated rows then go into a ``datasets.Dataset`` for the trainers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from classifier.errors import DataError
from classifier.schema import (
    ACTORS,
    NON_IRANIAN,
    ORIGIN_REQUIRED_FIELDS,
    ORIGINS,
    SPEAKERS,
    SPLITS,
    stance_problems,
    tone_problems,
)

if TYPE_CHECKING:  # pragma: no cover
    import datasets

DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
#: word-count bands, shortest first: corpus statistics count them, evaluation reports scores per band
LENGTH_BANDS = ((0, 15, "1-14 words"), (15, 40, "15-39"), (40, 80, "40-79"), (80, 150, "80-149"), (150, 10**9, "150+"))


@dataclass(frozen=True)
class Statement:
    """One labelled statement. Only ``text``, ``stances`` and ``tone`` are required."""

    text: str
    stances: tuple[str, ...]
    tone: str
    id: str = ""
    speaker: str | None = None
    speaker_name: str | None = None
    date: str | None = None
    event: str | None = None
    split: str | None = None
    line: int = 0
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def primary_stance(self) -> str:
        return self.stances[0]

    @property
    def origin(self) -> str:
        return self.extra.get("origin") or "composed"

    @property
    def actor(self) -> str:
        return self.extra.get("actor") or "iranian"

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    @property
    def length_band(self) -> str:
        n = len(self.text.split())
        return next(name for lo, hi, name in LENGTH_BANDS if lo <= n < hi)

    def to_dict(self) -> dict:
        row = {
            "id": self.id,
            "text": self.text,
            "speaker": self.speaker,
            "speaker_name": self.speaker_name,
            "date": self.date,
            "event": self.event,
            "stances": list(self.stances),
            "tone": self.tone,
            "split": self.split,
        }
        row = {k: v for k, v in row.items() if v is not None}
        row.update(self.extra)
        return row


_KNOWN = {"id", "text", "speaker", "speaker_name", "date", "event", "stances", "tone", "split"}


def _check_record(rec: dict, where: str) -> list[str]:
    problems: list[str] = []
    for name in ("text", "stances", "tone"):
        if name not in rec:
            problems.append(f"{where}: {name}: missing required field")
    text = rec.get("text")
    if "text" in rec and (not isinstance(text, str) or not text.strip()):
        problems.append(
            f"{where}: text: empty text"
            if isinstance(text, str) or text is None
            else f"{where}: text: must be a string, got {type(text).__name__}"
        )
    if "stances" in rec:
        stances = rec["stances"]
        if not isinstance(stances, list) or not all(isinstance(s, str) for s in stances):
            problems.append(f"{where}: stances: must be a list of strings")
        else:
            problems.extend(f"{where}: stances: {p}" for p in stance_problems(stances))
    if "tone" in rec:
        problems.extend(f"{where}: tone: {p}" for p in tone_problems(rec["tone"]))
    speaker = rec.get("speaker")
    if speaker is not None and speaker not in SPEAKERS:
        problems.append(f"{where}: speaker: unknown speaker {speaker!r}; valid speakers: {', '.join(SPEAKERS)}")
    split = rec.get("split")
    if split is not None and split not in SPLITS:
        problems.append(f"{where}: split: unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    date = rec.get("date")
    if date is not None and (not isinstance(date, str) or not DATE_RE.match(date)):
        problems.append(f"{where}: date: {date!r} is not YYYY-MM-DD or YYYY-MM")
    rid = rec.get("id")
    if rid is not None and not isinstance(rid, str | int):
        problems.append(f"{where}: id: must be a string")
    problems.extend(_provenance_problems(rec, where))
    return problems


def _provenance_problems(rec: dict, where: str) -> list[str]:
    """Origin, actor and the fields each origin requires (``ORIGIN_REQUIRED_FIELDS``)."""
    problems: list[str] = []
    origin = rec.get("origin", "composed")
    if origin not in ORIGINS:
        return [f"{where}: origin: unknown origin {origin!r}; valid origins: {', '.join(ORIGINS)}"]
    for name in ORIGIN_REQUIRED_FIELDS[origin]:
        value = rec.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: {name}: required for origin {origin!r}")
    url = rec.get("source_url")
    if isinstance(url, str) and url.strip() and not url.startswith(("http://", "https://")):
        problems.append(f"{where}: source_url: {url!r} is not an http(s) address")
    actor = rec.get("actor")
    if actor is not None and actor not in ACTORS:
        problems.append(f"{where}: actor: unknown actor {actor!r}; valid actors: {', '.join(ACTORS)}")
    if actor == NON_IRANIAN and rec.get("speaker", "other") != "other":
        problems.append(f"{where}: speaker: a non_iranian actor must have speaker 'other', got {rec.get('speaker')!r}")
    return problems


def jsonl_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a UTF-8 JSONL file with their 1-based numbers; ``DataError`` if unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: file is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    # split on newlines only: str.splitlines() also breaks on U+2028 and other
    # characters that are legal inside JSON strings
    for lineno, line in enumerate(raw.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.strip():
            yield lineno, line


def read_statements(path: str | Path) -> list[Statement]:
    """Read and validate a labelled JSONL file; raise ``DataError`` listing every problem."""
    path = Path(path)
    problems: list[str] = []
    statements: list[Statement] = []
    first_seen: dict[str, int] = {}
    for lineno, line in jsonl_lines(path):
        where = f"{path}:{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: json: invalid JSON ({exc.msg}; column {exc.colno})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{where}: record: expected a JSON object, got {type(rec).__name__}")
            continue
        found = _check_record(rec, where)
        rid = str(rec.get("id", "")) if rec.get("id") is not None else ""
        if rid:
            if rid in first_seen:
                found.append(f"{where}: id: duplicate id {rid!r} (first seen on line {first_seen[rid]})")
            else:
                first_seen[rid] = lineno
        if found:
            problems.extend(found)
            continue
        statements.append(
            Statement(
                text=rec["text"],
                stances=tuple(rec["stances"]),
                tone=rec["tone"],
                id=rid or f"line-{lineno}",
                speaker=rec.get("speaker"),
                speaker_name=rec.get("speaker_name"),
                date=rec.get("date"),
                event=rec.get("event"),
                split=rec.get("split"),
                line=lineno,
                extra={k: v for k, v in rec.items() if k not in _KNOWN},
            )
        )
    if problems:
        raise DataError(problems)
    if not statements:
        raise DataError(f"{path}: no statements found")
    return statements


def select_split(statements: list[Statement], split: str) -> list[Statement]:
    return [s for s in statements if s.split == split]


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def to_dataset(statements: list[Statement]) -> datasets.Dataset:
    """The validated rows as a Hugging Face dataset (the trainers' input format)."""
    import datasets

    return datasets.Dataset.from_dict(
        {
            "id": [s.id for s in statements],
            "text": [s.text for s in statements],
            "stances": [list(s.stances) for s in statements],
            "tone": [s.tone for s in statements],
            "split": [s.split or "" for s in statements],
        }
    )


def load_corpus(path: str | Path) -> datasets.DatasetDict:
    """Validate a corpus file and return one dataset per split present in it."""
    import datasets

    statements = read_statements(path)
    by_split = {name: select_split(statements, name) for name in SPLITS}
    return datasets.DatasetDict({k: to_dataset(v) for k, v in by_split.items() if v})
