"""Batch classification on messy files: exact row accounting, atomic output, interrupt and resume."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from classifier import batch
from classifier.batch import (
    BatchInterrupted,
    OutputExistsError,
    ResumeError,
    iter_input_rows,
    run_batch,
)
from classifier.batch_io import RESULT_COLUMNS
from classifier.errors import ConfigError, DataError
from classifier.predictor import Predictor
from classifier.schema import STANCES, TONES

REPO = Path(__file__).resolve().parents[1]

# plain statements to build inputs from (the model is the shared tiny TF-IDF one from conftest)
SENTENCES = [
    "We will answer this crime with a crushing response at a time of our choosing.",
    "Any further aggression will be met with a decisive and immediate reply.",
    "Our territorial integrity is a red line and our airspace is inviolable.",
    "We condemn in the strongest terms this cowardly terrorist attack.",
    "We call on the Security Council to hold the aggressor accountable.",
    "Iran does not seek war and wants stability in the region.",
    "We stand with the oppressed people of Palestine.",
    "Our condolences go to the families of the martyrs of this tragic crash.",
    "The foreign minister will travel to Muscat next week.",
    "Oil exports rose in the last quarter according to the ministry.",
    "We do not want war, but any attack will receive a painful answer.",
]

PERSIAN = "ما به هیچ وجه به دنبال جنگ نیستیم اما از حاکمیت و تمامیت ارضی کشورمان با تمام قوا دفاع خواهیم کرد"


@pytest.fixture(scope="session")
def model_dir(tfidf_model_dir) -> Path:
    return tfidf_model_dir


@pytest.fixture(scope="session")
def predictor(model_dir) -> Predictor:
    return Predictor.load(model_dir)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def errors_by_id(rows: list[dict]) -> dict:
    return {row["id"]: row["error"] for row in rows if row.get("error")}


def errors_by_line(rows: list[dict]) -> dict:
    return {int(row["line"]): row["error"] for row in rows if row.get("error")}


def statements(n: int) -> list[str]:
    """n distinct statements recombined from the corpus."""
    texts = SENTENCES
    return [f"{texts[i % len(texts)]} {texts[(i * 7 + 3) % len(texts)]} (item {i})" for i in range(n)]


def write_jsonl_input(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(statements(n)):
            fh.write(json.dumps({"id": f"s{i}", "text": text, "speaker": "president"}) + "\n")
            if i % 97 == 0:
                fh.write("not json\n")
    return path


# -- messy inputs ----------------------------------------------------------------------------------


def test_messy_jsonl_gives_one_row_per_line_with_the_reason_for_each_failure(predictor, tmp_path):
    good = json.dumps(
        {
            "id": "fm-1",
            "text": SENTENCES[0],
            "speaker": "irgc",
            "date": "2024-04",
            "tone": "hostile",
            "meta": {"k": [1, 2]},
        }
    )
    lines = [
        b"\xef\xbb\xbf" + good.encode(),  # 1: BOM on the first line
        b"",  # 2: blank line
        b"[1, 2]",  # 3: not an object
        b'{"id": "x4", "speaker": "president"}',  # 4: no text field
        b'{"id": "x5", "text": 42}',  # 5: text not a string
        b'{"id": "x6", "text": "   "}',  # 6: whitespace only
        b'{"text": "bad \xff byte", "id": "x7"}',  # 7: invalid UTF-8
        b'{"text": "unterminated',  # 8: invalid JSON
        json.dumps({"text": PERSIAN, "date": "2024-08"}).encode(),  # 9: no id: row number
        b'{"id": "x10", "text": "We condemn the att',  # 10: truncated last line, no newline
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\r\n".join(lines))
    summary = run_batch(predictor, src, tmp_path / "out.jsonl")

    assert (summary.read, summary.classified, summary.failed) == (10, 2, 8)
    assert summary.input_format == "jsonl" and summary.output_format == "jsonl"
    out = read_jsonl(tmp_path / "out.jsonl")
    # rows without a readable id get null, never a line number that another row's id could equal;
    # the id of a broken line is recovered when it can be read unambiguously (line 10)
    assert [r["id"] for r in out] == ["fm-1", None, None, "x4", "x5", "x6", "x7", None, None, "x10"]
    assert [r["line"] for r in out] == list(range(1, 11))
    assert errors_by_line(out) == {
        2: "line 2: empty line",
        3: "line 3: expected a JSON object, got array",
        4: "line 4: no 'text' field",
        5: "line 5: 'text' must be a string, got number",
        6: "line 6: empty text",
        7: "line 7: invalid UTF-8 (invalid start byte at byte 15)",
        8: "line 8: invalid JSON: Unterminated string starting at column 10",
        10: "line 10: invalid JSON: Unterminated string starting at column 23 (the last line has no "
        "line ending: the file may be truncated)",
    }
    first = out[0]
    # carried fields survive unchanged; the gold "tone" is kept as input_tone next to the prediction
    assert first["speaker"] == "irgc" and first["date"] == "2024-04" and first["meta"] == {"k": [1, 2]}
    assert first["input_tone"] == "hostile" and first["tone"] in TONES
    assert list(first["stance_scores"]) == list(STANCES) and list(first["tone_scores"]) == list(TONES)
    assert out[3]["speaker"] == "president"  # an error row keeps its fields
    assert "non_english" in " ".join(out[8]["warnings"])
    assert summary.errors[0] == "line 2: empty line" and len(summary.errors) == 8


def test_last_line_without_newline_is_classified_when_it_is_valid(predictor, tmp_path):
    src = tmp_path / "in.ndjson"
    src.write_text('{"text": "Iran does not seek war."}\n{"text": "We condemn the attack."}', encoding="utf-8")
    summary = run_batch(predictor, src, tmp_path / "out.jsonl")
    assert (summary.read, summary.classified, summary.failed) == (2, 2, 0)


def test_text_file_maps_lines_one_to_one(predictor, tmp_path):
    src = tmp_path / "statements.txt"
    src.write_bytes(
        b"\xef\xbb\xbfWe condemn the attack.\r\n\r\n   \t\r\nbroken \xc3\x28 byte\r\n"
        + PERSIAN.encode()
        + b"\nIran does not seek war."
    )
    summary = run_batch(predictor, src, tmp_path / "out.jsonl")
    assert (summary.read, summary.classified, summary.failed) == (6, 3, 3)
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == [1, 2, 3, 4, 5, 6]
    assert [r["text"] for r in out] == [
        "We condemn the attack.",
        "",
        "   \t",
        "broken \\xc3( byte",
        PERSIAN,
        "Iran does not seek war.",
    ]
    assert errors_by_id(out) == {
        2: "line 2: empty text",
        3: "line 3: empty text",
        4: "line 4: invalid UTF-8 (invalid continuation byte at byte 8)",
    }


def test_csv_with_quoted_newlines_bad_rows_and_csv_output(predictor, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"\xef\xbb\xbfid,statement,speaker\r\n"
        b'a1,"We condemn the attack.\r\nWe will respond.",irgc\r\n'  # 2 lines, one record
        b"a2,Iran does not seek war.,president\r\n"
        b"a3\r\n"  # lacks the text column
        b"a4,too,many,fields\r\n"
        b"a5,,president\r\n"  # empty text
        b"a6,bad \xff byte,other\r\n"
        b"\r\n"  # blank line
        b'a8,"The ministry, as usual, met the delegation.",foreign_ministry\r\n'
    )
    summary = run_batch(predictor, src, tmp_path / "out.csv", text_column="statement")
    assert (summary.read, summary.classified, summary.failed) == (8, 3, 5)
    out = read_csv(tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["id", "line", "statement", "speaker", *RESULT_COLUMNS]
    assert [r["id"] for r in out] == ["a1", "a2", "a3", "a4", "a5", "a6", "", "a8"]
    # a record's line is where it starts: a1 spans lines 2-3
    assert [r["line"] for r in out] == ["2", "4", "5", "6", "7", "8", "9", "10"]
    assert errors_by_id(out) == {
        "a3": "line 5: no 'statement' value: the row has 1 fields, the header has 3",
        "a4": "line 6: wrong number of fields: the row has 4 fields, the header has 3",
        "a5": "line 7: empty text",
        "a6": "line 8: invalid UTF-8",
        "": "line 9: empty line",
    }
    assert out[0]["statement"] == "We condemn the attack.\nWe will respond." and out[0]["speaker"] == "irgc"
    assert out[5]["statement"] == "bad \\xff byte"
    for row in (out[0], out[1], out[7]):
        assert row["stances"] and row["primary_stance"] == row["stances"].split(";")[0]
        assert row["tone"] in TONES and row["error"] == ""
        assert abs(sum(float(row[f"tone_{t}"]) for t in TONES) - 1) < 1e-3


def test_csv_without_the_text_column_is_refused_before_any_output(predictor, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"no 'text' column; the columns are 'id', 'body'"):
        run_batch(predictor, src, tmp_path / "out.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("in.jsonl", b'[{"text": "a"}]\n', "JSON array, not JSON Lines"),
        ("in.txt", "hello\n".encode("utf-16"), "UTF-16"),
        ("missing.jsonl", None, "file not found"),
    ],
)
def test_unreadable_inputs_raise_data_error(predictor, tmp_path, name, content, match):
    src = tmp_path / name
    if content is not None:
        src.write_bytes(content)
    with pytest.raises(DataError, match=match):
        run_batch(predictor, src, tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(
    ("name", "out_name", "expected"),
    [
        ("empty.jsonl", "out.jsonl", b""),
        ("empty.txt", "out.jsonl", b""),
        ("empty.csv", "out.csv", ",".join(["id", "line", *RESULT_COLUMNS]).encode() + b"\n"),
    ],
)
def test_empty_file_gives_zero_rows_and_a_clear_summary(predictor, tmp_path, name, out_name, expected):
    (tmp_path / name).write_bytes(b"")
    summary = run_batch(predictor, tmp_path / name, tmp_path / out_name)
    assert (summary.read, summary.classified, summary.failed) == (0, 0, 0)
    assert "the input is empty" in summary.describe()
    assert (tmp_path / out_name).read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({name, out_name})


def test_stdin_is_sniffed_as_jsonl_or_text(predictor, tmp_path, monkeypatch):
    data = b'{"id": "q1", "text": "We condemn the attack."}\n{"text": ""}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    summary = run_batch(predictor, "-", tmp_path / "out.jsonl")
    assert (summary.input_path, summary.input_format, summary.read, summary.failed) == ("<stdin>", "jsonl", 2, 1)
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["q1", None]

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"one statement\nanother one\n")))
    summary = run_batch(predictor, "-", tmp_path / "out2.csv")
    assert (summary.input_format, summary.read, summary.classified) == ("text", 2, 2)
    assert [r["text"] for r in read_csv(tmp_path / "out2.csv")] == ["one statement", "another one"]


def test_stdin_to_stdout(predictor, monkeypatch, capfdbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"first statement\n\n")))
    summary = run_batch(predictor, "-", "-")
    out = [json.loads(line) for line in capfdbinary.readouterr().out.splitlines()]
    assert summary.output_path == "-" and [r["id"] for r in out] == [1, 2] and out[1]["error"] == "line 2: empty text"


def test_jsonl_to_csv_keeps_fields_first_seen_late(predictor, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": 1, "text": "Iran does not seek war.", "tags": ["a"]}\n'
        '{"id": 2, "text": "We condemn it.", "late": true}\n',
        encoding="utf-8",
    )
    import classifier.batch as batch

    original = batch.HEADER_SCAN_ROWS
    batch.HEADER_SCAN_ROWS = 1
    try:
        run_batch(predictor, src, tmp_path / "out.csv")
    finally:
        batch.HEADER_SCAN_ROWS = original
    out = read_csv(tmp_path / "out.csv")
    assert list(out[0])[:4] == ["id", "line", "text", "tags"]
    assert out[0]["tags"] == '["a"]' and out[0]["other_fields"] == ""
    assert json.loads(out[1]["other_fields"]) == {"late": True}


def test_format_overrides_and_gzip(predictor, tmp_path):
    src = tmp_path / "data.log"
    src.write_text("text\nWe condemn the attack.\n", encoding="utf-8")
    summary = run_batch(predictor, src, tmp_path / "out.results")
    assert (summary.input_format, summary.output_format, summary.read) == ("text", "jsonl", 2)
    summary = run_batch(predictor, src, tmp_path / "out2.results", input_format="CSV", output_format="csv")
    assert (summary.input_format, summary.output_format, summary.read) == ("csv", "csv", 1)
    assert read_csv(tmp_path / "out2.results")[0]["text"] == "We condemn the attack."
    gz = tmp_path / "in.jsonl.gz"
    gz.write_bytes(gzip.compress(b'{"text": "We condemn the attack."}\n'))
    assert run_batch(predictor, gz, tmp_path / "gz.jsonl").classified == 1
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        run_batch(predictor, src, tmp_path / "x.jsonl", input_format="xml")


def test_book_length_and_non_english_statements_are_classified_with_warnings(predictor, tmp_path):
    book = " ".join(statements(3000))  # ~ 60,000 words
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"text": book})
        + "\n"
        + json.dumps({"text": PERSIAN})
        + "\n"
        + json.dumps({"text": "\ud800 lone surrogate \udfff"})
        + "\n",
        encoding="utf-8",
    )
    summary = run_batch(predictor, src, tmp_path / "out.jsonl")
    assert (summary.read, summary.classified) == (3, 3)
    out = read_jsonl(tmp_path / "out.jsonl")
    assert any(w.startswith("long_text") for w in out[0]["warnings"])
    assert any(w.startswith("non_english") for w in out[1]["warnings"])
    assert out[2]["text"] == "\ud800 lone surrogate \udfff"  # written back as the same escapes


def test_output_does_not_depend_on_batch_size(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 300)
    outputs = set()
    for size in (1, 7, 256):
        run_batch(predictor, src, tmp_path / f"out{size}.jsonl", batch_size=size)
        outputs.add((tmp_path / f"out{size}.jsonl").read_bytes())
    assert len(outputs) == 1


def test_progress_callback_and_bar(predictor, tmp_path, capsys):
    src = write_jsonl_input(tmp_path / "in.jsonl", 50)  # 50 statements + 1 invalid line
    seen = []
    run_batch(
        predictor,
        src,
        tmp_path / "out.jsonl",
        batch_size=20,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(20, 51), (40, 51), (51, 51)]
    run_batch(predictor, src, tmp_path / "out2.jsonl", batch_size=20, progress=True)
    assert "51/51" in capsys.readouterr().err


# -- refusing to lose data -------------------------------------------------------------------------


def test_existing_output_is_refused_unless_overwrite(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 5)
    target = tmp_path / "out.jsonl"
    target.write_text("precious\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="already exists"):
        run_batch(predictor, src, target)
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert run_batch(predictor, src, target, overwrite=True).read == 6
    with pytest.raises(ConfigError, match="would replace the input"):
        run_batch(predictor, src, src, overwrite=True)
    with pytest.raises(ConfigError, match="batch_size"):
        run_batch(predictor, src, tmp_path / "other.jsonl", batch_size=0)


class FailingPredictor:
    """Wraps a predictor and raises ``exc`` on the ``fail_at``-th call of classify."""

    def __init__(self, inner: Predictor, fail_at: int, exc: BaseException):
        self.inner, self.fail_at, self.exc, self.calls = inner, fail_at, exc, 0
        self.metadata = inner.metadata

    def classify(self, texts, ids=None):
        self.calls += 1
        if self.calls == self.fail_at:
            raise self.exc
        return self.inner.classify(texts, ids)


def test_interrupt_keeps_partial_output_and_resume_matches_an_uninterrupted_run(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 400)
    reference = tmp_path / "reference.csv"
    run_batch(predictor, src, reference, batch_size=32)

    target = tmp_path / "out.csv"
    with pytest.raises(BatchInterrupted) as info:
        run_batch(FailingPredictor(predictor, 4, KeyboardInterrupt()), src, target, batch_size=32)
    assert info.value.rows_done == 96 and "resume" in info.value.resume_hint
    assert not target.exists()
    partial = tmp_path / "out.csv.partial"
    sidecar = json.loads((tmp_path / "out.csv.partial.json").read_text(encoding="utf-8"))
    assert sidecar["done"]["rows"] == 96 and sidecar["done"]["bytes"] == partial.stat().st_size
    assert partial.read_bytes() == reference.read_bytes()[: partial.stat().st_size]

    summary = run_batch(predictor, src, target, batch_size=50, resume=True)
    assert target.read_bytes() == reference.read_bytes()
    assert (summary.read, summary.resumed_rows, summary.failed) == (405, 96, 5)
    assert not partial.exists() and not (tmp_path / "out.csv.partial.json").exists()


def test_crash_leaves_no_final_output_and_a_torn_chunk_is_cut_off_on_resume(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 300)
    reference = tmp_path / "reference.jsonl"
    run_batch(predictor, src, reference, batch_size=25)

    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError, match="boom"):
        run_batch(FailingPredictor(predictor, 3, RuntimeError("boom")), src, target, batch_size=25)
    assert not target.exists()
    partial = tmp_path / "out.jsonl.partial"
    with partial.open("ab") as fh:  # a chunk half-written when the process died
        fh.write(b'{"id": "s50", "text": "half a ro')
    run_batch(predictor, src, target, batch_size=25, resume=True)
    assert target.read_bytes() == reference.read_bytes()


def test_progress_records_are_fsynced_before_they_count_and_the_finished_file_after_its_rename(
    predictor, tmp_path, monkeypatch
):
    """A power cut must never leave a record naming rows the disk does not hold, or lose the final rename."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", Path(src).name, Path(dst).name))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(batch, "CHECKPOINT_SECONDS", 0.0)  # record after every chunk
    src = write_jsonl_input(tmp_path / "in.jsonl", 60)
    target = tmp_path / "out.jsonl"
    run_batch(predictor, src, target, batch_size=20)

    sidecar_writes = [i for i, e in enumerate(events) if e[0] == "replace" and e[2] == "out.jsonl.partial.json"]
    assert len(sidecar_writes) >= 2  # the record made at the start, then one per chunk
    for i in sidecar_writes:  # each record's own file is on disk before it replaces the old one
        assert events[i - 1] == ("fsync", events[i][1])
    for i in sidecar_writes[1:]:  # and the rows it names were fsynced before it
        assert ("fsync", "out.jsonl.partial") in events[:i]
    final = events.index(("replace", "out.jsonl.partial", "out.jsonl"))
    assert ("fsync", "out.jsonl.partial") in events[final - 2 : final]
    assert ("fsync", tmp_path.name) in events[final + 1 :]  # the directory, so the rename survives
    assert target.exists() and not (tmp_path / "out.jsonl.partial.json").exists()


def test_resume_refuses_a_different_input_or_options(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 100)
    target = tmp_path / "out.jsonl"
    with pytest.raises(BatchInterrupted):
        run_batch(FailingPredictor(predictor, 2, KeyboardInterrupt()), src, target, batch_size=10)
    with pytest.raises(ResumeError, match="the text column changed"):
        run_batch(predictor, src, target, text_column="body", resume=True)
    with pytest.raises(ResumeError, match="output format changed"):
        run_batch(predictor, src, target, output_format="csv", resume=True)
    with src.open("a", encoding="utf-8") as fh:
        fh.write('{"text": "one more"}\n')
    with pytest.raises(ResumeError, match="the input file's size or content changed"):
        run_batch(predictor, src, target, resume=True)
    (tmp_path / "out.jsonl.partial.json").unlink()
    with pytest.raises(ResumeError, match="unknown how much of it is complete"):
        run_batch(predictor, src, target, resume=True)
    # without resume, a stale partial file is simply replaced
    assert run_batch(predictor, src, target).read == 103


def test_resume_with_nothing_to_resume_starts_afresh(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 10)
    assert run_batch(predictor, src, tmp_path / "out.jsonl", resume=True).resumed_rows == 0
    with pytest.raises(ResumeError, match="stdin"):
        run_batch(predictor, "-", tmp_path / "other.jsonl", resume=True)


# the child sleeps a little per chunk so that it is reliably still running when it is killed
CHILD = """
import sys, time
import classifier.batch
from classifier.batch import run_batch
from classifier.predictor import Predictor

class Slow:
    def __init__(self, inner):
        self.inner, self.metadata = inner, inner.metadata
    def classify(self, texts, ids=None):
        time.sleep(0.01)
        return self.inner.classify(texts, ids)

classifier.batch.CHECKPOINT_SECONDS = 0.05
run_batch(Slow(Predictor.load(sys.argv[1])), sys.argv[2], sys.argv[3], batch_size=20)
"""


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_gives_identical_output(predictor, model_dir, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 5000)  # + 52 invalid lines
    target = tmp_path / "out.jsonl"
    sidecar = tmp_path / "out.jsonl.partial.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(model_dir), str(src), str(target)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            if sidecar.exists() and json.loads(sidecar.read_text(encoding="utf-8"))["done"]["rows"] >= 500:
                break
            time.sleep(0.002)
        assert child.poll() is None, "the child finished or failed before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    assert not target.exists()
    done = json.loads(sidecar.read_text(encoding="utf-8"))["done"]["rows"]
    assert 500 <= done < 5052

    summary = run_batch(predictor, src, target, resume=True, batch_size=512)
    reference = tmp_path / "reference.jsonl"
    run_batch(predictor, src, reference, batch_size=512)
    assert summary.resumed_rows == done and summary.read == 5052
    assert target.read_bytes() == reference.read_bytes()


def test_iter_input_rows_reads_a_binary_stream(tmp_path):
    rows = list(iter_input_rows(io.BytesIO(b'{"id": 9, "text": "a"}\n{"text": 1}\n')))
    assert [(r.number, r.id, r.text, r.error) for r in rows] == [
        (1, 9, "a", None),
        (2, None, None, "line 2: 'text' must be a string, got number"),
    ]
    rows = list(iter_input_rows(io.BytesIO(b"body\nx\n"), "csv", text_column="body"))
    assert [(r.number, r.text, r.fields) for r in rows] == [(1, "x", {"body": "x"})]


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.csv"])
def test_unreadable_rows_never_borrow_another_rows_id(predictor, tmp_path, out_name):
    # ids are the 0-based row numbers, as many exports number them; line 251 is broken
    lines = [json.dumps({"id": str(i), "text": SENTENCES[i % len(SENTENCES)]}) for i in range(300)]
    lines[250] = '{"text": "cut off'
    lines[260] = '{"id": "260", "text": "cut off'
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_batch(predictor, src, tmp_path / out_name)
    out = read_jsonl(tmp_path / out_name) if out_name.endswith(".jsonl") else read_csv(tmp_path / out_name)
    ids = [r["id"] for r in out]
    empty = None if out_name.endswith(".jsonl") else ""
    assert (ids[250] == empty and ids[260] in ("260", 260)) or ids[260] == "260"
    real = [i for i in ids if i not in (None, "")]
    assert len(real) == len(set(real)) == 299  # no duplicate keys when joining back by id
    assert [int(r["line"]) for r in out] == list(range(1, 301))
    assert out[250]["error"].startswith("line 251: invalid JSON")


def test_a_giant_statement_is_read_in_bounded_passages_and_says_so(model_dir, tmp_path):
    from classifier.predictor import bounded_text

    text = " ".join(f"word{i}" for i in range(400_000))  # about 3.5 MB
    short, warning = bounded_text(text, 20_000)
    assert len(short) <= 20_000 and short.split()[0] == "word0" and short.split()[-1] == "word399999"
    assert "truncated: " in warning and "10 passages spread over the whole text" in warning
    src = tmp_path / "big.jsonl"
    src.write_text(json.dumps({"id": "big", "text": text}) + "\n", encoding="utf-8")
    start = time.monotonic()
    run_batch(Predictor.load(model_dir, max_chars=20_000), src, tmp_path / "out.jsonl")
    (row,) = read_jsonl(tmp_path / "out.jsonl")
    assert any(w.startswith("truncated: 4,288,889 characters") for w in row["warnings"]) and row["stances"]
    assert time.monotonic() - start < 30


@pytest.mark.slow
def test_sigterm_stops_a_cli_run_cleanly_with_a_resume_hint(model_dir, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 40_000)
    target = tmp_path / "out.jsonl"
    sidecar = tmp_path / "out.jsonl.partial.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "classifier", "classify", "--model", str(model_dir), "--batch-size", "50"]
    child = subprocess.Popen(
        [*args, "--input", str(src), "--output", str(target)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            if sidecar.exists() and json.loads(sidecar.read_text(encoding="utf-8"))["done"]["rows"] >= 200:
                break
            time.sleep(0.01)
        assert child.poll() is None, "the run finished before it could be stopped"
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 128 + signal.SIGTERM
    assert "terminated (SIGTERM) after" in stderr and "--resume" in stderr
    assert not target.exists() and sidecar.exists()
    done = subprocess.run(
        [*args, "--input", str(src), "--output", str(target), "--resume"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2  # the input's invalid lines are reported, as in any run
    reference = tmp_path / "reference.jsonl"
    subprocess.run([*args, "--input", str(src), "--output", str(reference)], env=env, capture_output=True, check=False)
    assert target.read_bytes() == reference.read_bytes()
