"""Property tests: whatever bytes or strings come in, batch reading and classification give one row per input."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.batch import run_batch
from classifier.batch_io import iter_input_rows
from classifier.errors import DataError
from classifier.predictor import Predictor

# byte soup biased towards what breaks line-based readers: line endings, BOMs, JSON and CSV syntax, bad UTF-8
PIECES = [
    b"\n",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"{",
    b"}",
    b"[",
    b'"',
    b'"text"',
    b":",
    b",",
    b" ",
    b"\t",
    b"text",
    b"\\u",
    b"\x00",
    "é".encode(),
    "\u2028".encode(),
    b"We condemn the attack",
]
messy_bytes = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=12)), max_size=40).map(b"".join)
# any code point, lone surrogates included (they arrive through \ud800-style JSON escapes)
any_text = st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])), max_size=60)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="session")
def predictor(tfidf_model_dir) -> Predictor:
    return Predictor.load(tfidf_model_dir)


@pytest.fixture(scope="session")
def workdirs(tmp_path_factory):
    """A fresh directory per hypothesis example (function-scoped tmp_path is shared across examples)."""
    root = tmp_path_factory.mktemp("props")
    counter = itertools.count()

    def make() -> Path:
        path = root / str(next(counter))
        path.mkdir()
        return path

    return make


def n_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def file_level_problem(data: bytes, fmt: str) -> bool:
    """Inputs the readers refuse as a whole, with a DataError."""
    first = data.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf")
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or (fmt == "jsonl" and first.lstrip().startswith(b"["))


def check_rows(rows) -> None:
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        assert (row.text is None) == (row.error is not None)
        assert row.text is None or row.text.strip()
        assert row.error is None or row.error.startswith("line ")


@SETTINGS
@given(data=messy_bytes, fmt=st.sampled_from(["text", "jsonl"]))
def test_line_readers_give_exactly_one_row_per_line(data, fmt):
    try:
        rows = list(iter_input_rows(io.BytesIO(data), fmt))
    except DataError:
        assert file_level_problem(data, fmt)
        return
    assert len(rows) == n_lines(data)
    check_rows(rows)


@SETTINGS
@given(data=messy_bytes)
def test_csv_reader_never_crashes(data):
    try:
        rows = list(iter_input_rows(io.BytesIO(b"id,text\n" + data), "csv"))
    except DataError:
        assert file_level_problem(data, "csv")
        return
    check_rows(rows)
    assert len(rows) <= n_lines(data)


@SETTINGS
@given(texts=st.lists(any_text, max_size=12), out_format=st.sampled_from(["jsonl", "csv"]))
def test_any_strings_give_one_result_each_and_come_back_unchanged(predictor, workdirs, texts, out_format):
    work = workdirs()
    src = work / "in.jsonl"
    src.write_text(
        "".join(json.dumps({"id": f"r{i}", "text": t}) + "\n" for i, t in enumerate(texts)), encoding="ascii"
    )
    summary = run_batch(predictor, src, work / f"out.{out_format}", batch_size=5)
    assert (summary.read, summary.failed) == (len(texts), sum(not t.strip() for t in texts))
    if out_format == "jsonl":
        out = [json.loads(line) for line in (work / "out.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in out] == [f"r{i}" for i in range(len(texts))]
        assert [r["text"] for r in out] == texts
        assert [("error" in r) for r in out] == [not t.strip() for t in texts]


@SETTINGS
@given(data=messy_bytes, fmt=st.sampled_from(["text", "jsonl", "csv"]), out_format=st.sampled_from(["jsonl", "csv"]))
def test_any_bytes_through_a_batch_run(predictor, workdirs, data, fmt, out_format):
    work = workdirs()
    src = work / f"in.{fmt}"
    src.write_bytes(b"text,id\n" + data if fmt == "csv" else data)
    target = work / f"out.{out_format}"
    try:
        summary = run_batch(predictor, src, target, batch_size=3)
    except DataError:
        assert file_level_problem(data, fmt)
        assert not target.exists()
        return
    assert summary.classified + summary.failed == summary.read
    if fmt != "csv":
        assert summary.read == n_lines(data)
    if out_format == "jsonl":
        assert len(target.read_bytes().splitlines()) == summary.read
    assert not target.with_name(target.name + ".partial").exists()
