"""``--engine ray`` on a local Ray cluster (2 CPUs, one actor): the same rows as the single-process path,
and a run killed part-way that resumes with nothing duplicated or lost."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.archive import MODEL_COLUMN
from classifier.batch import run_batch
from classifier.modelfile import model_digest
from classifier.predictor import Predictor
from tests.test_batch import write_jsonl_input
from tests.test_batch_parquet import write_parquet

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray

from classifier.ray_engine import parse_actors, run_on_ray  # noqa: E402  (after the skip: needs no ray, but only these tests use it)


@pytest.fixture(scope="module")
def cluster():
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def single_process(model_dir: Path, path: Path, tmp_path: Path, batch_size: int) -> pa.Table:
    target = tmp_path / f"single-{path.name}.parquet"
    run_batch(Predictor.load(model_dir), path, target, batch_size=batch_size)
    return pq.read_table(target)


def outputs(out: Path, stem: str) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in sorted(out.glob(f"{stem}-*.parquet"))])


def assert_same_as_single_process(model_dir, inputs: Path, out: Path, tmp_path: Path, batch_size: int) -> None:
    digest = model_digest(model_dir)
    for path in sorted(p for p in inputs.iterdir() if p.suffix in (".parquet", ".jsonl")):
        got = outputs(out, path.stem)
        assert set(got.column(MODEL_COLUMN).to_pylist()) == {digest}
        assert got.drop_columns([MODEL_COLUMN]).equals(single_process(model_dir, path, tmp_path, batch_size)), path


def test_parquet_files_with_bad_rows_give_the_single_process_rows(cluster, tfidf_model_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, n in (("a", 300), ("b", 45), ("c", 130)):
        write_parquet(inputs / f"{name}.parquet", n, row_group_size=50)  # nulls, blanks, a clashing column
    write_jsonl_input(inputs / "wire.jsonl", 120)
    summary = run_on_ray(tfidf_model_dir, str(inputs), str(tmp_path / "out"), batch_size=32, block_rows=100)
    assert summary.ok is False  # bad rows are counted, not fatal
    assert (summary.read, summary.failed) == (300 + 45 + 130 + 122, 3 * 3 + 2)
    assert (
        summary.failed_blocks == [] and summary.blocks == 3 + 1 + 2 + 1
    )  # row groups of 50 joined into blocks of up to 128 rows
    assert len(summary.memory_mib) == 1  # one actor did every block
    assert_same_as_single_process(tfidf_model_dir, inputs, tmp_path / "out", tmp_path, 32)
    again = run_on_ray(tfidf_model_dir, str(inputs), str(tmp_path / "out"), batch_size=32, block_rows=100)
    assert again.blocks_before == again.blocks and again.read == summary.read


def test_an_ensemble_runs_too_and_only_the_actors_load_it(cluster, tmp_path, mini_corpus, tfidf_model_dir, monkeypatch):
    from training.ensemble import train_ensemble
    from training.pipeline import train_model

    second = train_model("tfidf", mini_corpus, tmp_path / "b", config={"C": 0.5}).path
    ensemble = train_ensemble([tfidf_model_dir, second], mini_corpus, tmp_path / "ensemble").path
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_parquet(inputs / "a.parquet", 70, row_group_size=32)

    def driver_load(*args, **kwargs):
        raise AssertionError("the driver loaded the model; only the actors should")

    with monkeypatch.context() as patch:  # the actors are other processes: the patch binds the driver alone
        patch.setattr(Predictor, "load", driver_load)
        summary = run_on_ray(ensemble, str(inputs / "*.parquet"), str(tmp_path / "out"), batch_size=16, block_rows=32)
    assert summary.read == 70 and summary.blocks == 3
    assert_same_as_single_process(ensemble, inputs, tmp_path / "out", tmp_path, 16)


def test_a_run_killed_part_way_resumes_with_nothing_lost_or_repeated(cluster, tfidf_model_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in "abcd":
        write_parquet(inputs / f"{name}.parquet", 1200, row_group_size=96)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "classifier", "classify", "--engine", "ray", "--address", cluster]
    command += ["--input", str(inputs), "--output", str(out), "--model", str(tfidf_model_dir)]
    command += ["--batch-size", "16", "--block-rows", "96", "--cpus-per-actor", "1"]
    driver = subprocess.Popen(command, stderr=subprocess.PIPE, start_new_session=True, env=os.environ.copy())
    deadline = time.monotonic() + 240
    while len(list(out.glob("*.parquet"))) < 5 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait()
    written = len(list(out.glob("*.parquet")))
    assert 5 <= written < 52, driver.stderr.read().decode()[-2000:]  # 4 files x 13 blocks: killed part-way
    summary = run_on_ray(tfidf_model_dir, str(inputs), str(out), batch_size=16, block_rows=96)
    assert summary.blocks == 52 and summary.blocks_before >= written - 1  # the block being renamed may be lost
    assert summary.read == 4 * 1200 and summary.failed == 4 * 3
    assert not list(out.glob(".*.tmp"))
    assert_same_as_single_process(tfidf_model_dir, inputs, out, tmp_path, 16)


def test_a_second_run_on_the_same_directory_refuses_at_once_and_touches_nothing(tfidf_model_dir, tmp_path):
    import fcntl

    from classifier.archive import LOCK_FILE
    from classifier.errors import OutputBusyError

    inputs = tmp_path / "in"
    inputs.mkdir()
    write_parquet(inputs / "a.parquet", 40)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".a-0123456789abcdef-00000.parquet.tmp").write_bytes(b"a block the first run is writing")
    with open(out / LOCK_FILE, "a") as first_run:  # what the first run's driver holds
        fcntl.flock(first_run.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(OutputBusyError, match="another run is writing this output directory"):
            run_on_ray(tfidf_model_dir, str(inputs / "*.parquet"), str(out), force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted([LOCK_FILE, ".a-0123456789abcdef-00000.parquet.tmp"])


def test_actor_counts_parse():
    assert parse_actors("2") == (2, 2) and parse_actors("1:4") == (1, 4)
    with pytest.raises(Exception, match="MIN:MAX"):
        parse_actors("two")
