"""Parquet in and out: the same row accounting, carried columns, errors and resume as JSONL."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.batch import BatchInterrupted, OutputBusyError, run_batch
from classifier.batch_checkpoint import PartialFile
from classifier.errors import ConfigError, DataError
from classifier.predictor import Predictor
from classifier.schema import STANCES, TONES
from tests.test_batch import FailingPredictor, statements, write_jsonl_input


@pytest.fixture(scope="module")
def predictor(tfidf_model_dir) -> Predictor:
    return Predictor.load(tfidf_model_dir)


def write_parquet(path, n: int, *, row_group_size: int = 64):
    texts: list = statements(n)
    texts[3], texts[10], texts[11] = None, "   ", ""
    table = pa.table(
        {
            "id": pa.array(range(1000, 1000 + n), pa.int64()),
            "text": pa.array(texts, pa.string()),
            "published": pa.array([dt.date(2025, 1, 1 + i % 28) for i in range(n)], pa.date32()),
            "tone": pa.array(["wire"] * n),  # clashes with a result column
        }
    )
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def test_parquet_to_parquet_keeps_every_row_its_columns_and_types(predictor, tmp_path):
    src = write_parquet(tmp_path / "in.parquet", 150)
    out = tmp_path / "out.parquet"
    summary = run_batch(predictor, src, out, batch_size=40)
    assert (summary.read, summary.classified, summary.failed) == (150, 147, 3)
    table = pq.read_table(out)
    assert table.num_rows == 150 and table.column("id").to_pylist() == list(range(1000, 1150))
    assert table.schema.field("published").type == pa.date32()
    assert table.schema.field("stances").type == pa.list_(pa.string())
    assert {f"score_{s}" for s in STANCES} | {f"tone_{t}" for t in TONES} <= set(table.schema.names)
    rows = table.to_pylist()
    assert rows[0]["input_tone"] == "wire" and rows[0]["tone"] in TONES
    assert rows[0]["primary_stance"] == rows[0]["stances"][0] and rows[0]["error"] is None
    errors = {r["line"]: r["error"] for r in rows if r["error"]}
    assert errors == {4: "row 4: 'text' is null", 11: "row 11: empty text", 12: "row 12: empty text"}
    assert rows[3]["stances"] is None and rows[3]["score_neutral"] is None


def test_parquet_in_jsonl_out_matches_the_same_rows_read_from_jsonl(predictor, tmp_path):
    src = write_parquet(tmp_path / "in.parquet", 30)
    out = tmp_path / "out.jsonl"
    run_batch(predictor, src, out)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 30 and rows[0]["id"] == 1000 and rows[0]["published"] == "2025-01-01"
    from_parquet = pq.read_table(src).to_pylist()
    jsonl = tmp_path / "same.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in from_parquet if r["text"]),
        encoding="utf-8",
    )
    run_batch(predictor, jsonl, tmp_path / "same.out.jsonl")
    same = [json.loads(line) for line in (tmp_path / "same.out.jsonl").read_text(encoding="utf-8").splitlines()]
    scored = {r["id"]: r["stance_scores"] for r in rows if "stance_scores" in r}
    assert scored == {r["id"]: r["stance_scores"] for r in same if "stance_scores" in r}


def test_jsonl_to_parquet_carries_fields_and_interrupt_then_resume_gives_the_same_table(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 300)
    reference = tmp_path / "reference.parquet"
    run_batch(predictor, src, reference, batch_size=32)
    target = tmp_path / "out.parquet"
    with pytest.raises(BatchInterrupted):
        run_batch(FailingPredictor(predictor, 4, KeyboardInterrupt()), src, target, batch_size=32)
    assert not target.exists() and (tmp_path / "out.parquet.partial").exists()
    summary = run_batch(predictor, src, target, batch_size=50, resume=True)
    assert summary.resumed_rows == 96
    assert pq.read_table(target).to_pylist() == pq.read_table(reference).to_pylist()
    rows = pq.read_table(target).to_pylist()
    assert rows[0]["speaker"] == "president" and rows[1]["error"].startswith("line 2: invalid JSON")
    assert not (tmp_path / "out.parquet.partial").exists()


def test_a_second_writer_to_the_same_output_refuses_at_once_and_spoils_nothing(predictor, tmp_path):
    src = write_jsonl_input(tmp_path / "in.jsonl", 20)
    target = tmp_path / "out.jsonl"
    first = PartialFile(target, checkpoint_seconds=1.0)
    first.open({"run": "first"}, None)
    first.write(b"kept\n", first.done)
    try:
        with pytest.raises(OutputBusyError, match="another run is writing"):
            run_batch(predictor, src, target)
        assert (tmp_path / "out.jsonl.partial").read_bytes() == b"kept\n"
    finally:
        first.close()


def test_parquet_errors_are_clear(predictor, tmp_path):
    src = write_parquet(tmp_path / "in.parquet", 15)
    with pytest.raises(DataError, match=r"no 'body' column .*id, text, published, tone"):
        run_batch(predictor, src, tmp_path / "o.jsonl", text_column="body")
    with pytest.raises(ConfigError, match="Parquet output needs a file name"):
        run_batch(predictor, src, "-", output_format="parquet")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        run_batch(predictor, broken, tmp_path / "o2.jsonl")


def test_cli_reads_and_writes_parquet(tfidf_model_dir, tmp_path):
    from click.testing import CliRunner

    from classifier.cli import cli

    src = write_parquet(tmp_path / "in.parquet", 20)
    out = tmp_path / "out.parquet"
    args = ["classify", "--model", str(tfidf_model_dir), "--input", str(src), "--output", str(out)]
    result = CliRunner().invoke(cli, args)
    assert "17 classified, 3 failed" in result.output  # error rows are written and counted, the run goes on
    assert pq.read_table(out).num_rows == 20


def test_a_jsonl_field_that_would_lose_precision_stops_the_run_instead_of_truncating(predictor, tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [{"id": i, "text": f"We condemn the attack number {i}.", "score": i} for i in range(1001)]
    rows.append({"id": 1001, "text": "We condemn it again.", "score": 1.5})  # after the 1,000 rows types come from
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DataError, match="column 'score' does not fit the type int64"):
        run_batch(predictor, src, tmp_path / "out.parquet", batch_size=500)
