"""Archive runs without Ray: blocks cover every row once, each block's file matches the single-process path,
and a rerun continues exactly (the Ray engine only schedules these same pieces; ``test_ray_engine`` runs it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.archive import MODEL_COLUMN, RUN_FILE, BlockWriter, plan_run
from classifier.batch import run_batch
from classifier.batch_io import iter_input_rows
from classifier.blocks import _glob_regex, _line_spans, filesystem, list_inputs, parquet_block_starts, read_block
from classifier.errors import ConfigError, DataError, OutputExistsError, ResumeError
from classifier.modelfile import model_digest
from classifier.predictor import Predictor
from tests.test_batch import statements, write_jsonl_input
from tests.test_batch_parquet import write_parquet

BATCH = 16


@pytest.fixture(scope="module")
def predictor(tfidf_model_dir) -> Predictor:
    return Predictor.load(tfidf_model_dir)


def archive(root: Path) -> Path:
    """Two Parquet files (nulls, blanks, a clashing column), a JSONL file with broken lines, a text file,
    and files a folder must not contribute."""
    root.mkdir()
    write_parquet(root / "a.parquet", 150, row_group_size=40)
    write_parquet(root / "b.parquet", 37, row_group_size=64)
    write_jsonl_input(root / "wire.jsonl", 200)  # broken lines 2, 100 and 198
    (root / "lines.txt").write_text("\n".join([*statements(20), "", "  "]), encoding="utf-8")  # no final newline
    (root / "_SUCCESS").write_text("")
    (root / ".hidden.jsonl").write_text('{"text": "x"}\n')
    (root / "notes.md").write_text("# not an input\n")
    return root


def run_archive(predictor, model_dir, inputs, out, *, block_rows=40, **kwargs):
    """A whole archive run in this process: plan, then write every pending block."""
    plan = plan_run(
        str(inputs), str(out), model_sha256=model_digest(model_dir), batch_size=BATCH, block_rows=block_rows, **kwargs
    )
    writer = BlockWriter(
        predictor,
        model_sha256=plan.settings["model_sha256"],
        output_dir=str(out),
        text_column="text",
        batch_size=BATCH,
        formatters=plan.formatters,
    )
    return plan, [writer.write(block) for block in plan.pending]


def block_table(out: Path, stem: str) -> pa.Table:
    parts = sorted(out.glob(f"{stem}-*.parquet"))
    assert parts, f"no output for {stem}"
    return pa.concat_tables([pq.read_table(p) for p in parts])


def single_process(predictor, path: Path, tmp_path: Path) -> pa.Table:
    target = tmp_path / f"single-{path.name}.parquet"
    run_batch(predictor, path, target, batch_size=BATCH)
    return pq.read_table(target)


def test_every_file_is_split_into_blocks_whose_union_is_the_single_process_output(predictor, tfidf_model_dir, tmp_path):
    inputs = archive(tmp_path / "in")
    plan, results = run_archive(predictor, tfidf_model_dir, inputs, tmp_path / "out")
    assert [Path(f.path).name for f in plan.files] == ["a.parquet", "b.parquet", "lines.txt", "wire.jsonl"]
    assert len([b for b in plan.blocks if b.uri.endswith("a.parquet")]) == 4  # 150 rows, blocks of 48
    assert all(r.error is None for r in results)
    digest = model_digest(tfidf_model_dir)
    for name in ("a.parquet", "b.parquet", "lines.txt", "wire.jsonl"):
        got = block_table(tmp_path / "out", name.split(".")[0])
        assert set(got.column(MODEL_COLUMN).to_pylist()) == {digest}
        expected = single_process(predictor, inputs / name, tmp_path)
        assert got.drop_columns([MODEL_COLUMN]).equals(expected), name
    wire = block_table(tmp_path / "out", "wire")
    errors = [e for e in wire.column("error").to_pylist() if e]
    assert [e.split(": ")[0] for e in errors] == ["line 2", "line 100", "line 198"]  # the file's own numbers
    assert sum(r.rows for r in results) == 150 + 37 + 22 + 203


def test_a_rerun_does_nothing_and_a_lost_or_damaged_block_is_redone(predictor, tfidf_model_dir, tmp_path):
    inputs = archive(tmp_path / "in")
    out = tmp_path / "out"
    run_archive(predictor, tfidf_model_dir, inputs, out)
    before = {p.name: pq.read_table(p) for p in out.glob("*.parquet")}
    plan, results = run_archive(predictor, tfidf_model_dir, inputs, out)
    assert results == [] and len(plan.done) == len(plan.blocks)
    assert sum(failed for _, failed in plan.done.values()) == 3 + 3 + 2 + 3  # counted from the footers
    lost, damaged = sorted(before)[1], sorted(before)[4]
    (out / lost).unlink()
    (out / damaged).write_bytes((out / damaged).read_bytes()[:100])
    (out / f".{lost}.0123.tmp").write_bytes(b"half a block")  # left by a run that died while writing
    plan, results = run_archive(predictor, tfidf_model_dir, inputs, out)
    assert sorted(r.output for r in results) == sorted([lost, damaged])
    assert not list(out.glob(".*.tmp"))
    for name, table in before.items():
        assert pq.read_table(out / name).equals(table)


def test_rerun_refuses_other_settings_redoes_a_changed_file_and_force_starts_over(predictor, tfidf_model_dir, tmp_path):
    inputs = archive(tmp_path / "in")
    out = tmp_path / "out"
    run_archive(predictor, tfidf_model_dir, inputs, out)
    digest = model_digest(tfidf_model_dir)
    with pytest.raises(ResumeError, match="another model"):
        plan_run(str(inputs), str(out), model_sha256="0" * 64, batch_size=BATCH, block_rows=40)
    with pytest.raises(ResumeError, match="another block size"):
        plan_run(str(inputs), str(out), model_sha256=digest, batch_size=BATCH, block_rows=99)
    with pytest.raises(ResumeError, match="another --max-chars"):
        plan_run(str(inputs), str(out), model_sha256=digest, batch_size=BATCH, block_rows=40, max_chars=5000)
    with pytest.raises(ResumeError, match="another input"):
        plan_run(str(inputs / "a.parquet"), str(out), model_sha256=digest, batch_size=BATCH, block_rows=40)
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet") if not p.name.startswith("wire")}
    with open(inputs / "wire.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "We condemn the strike."}) + "\n")
    plan, results = run_archive(predictor, tfidf_model_dir, inputs, out)
    assert [Path(u).name for u in plan.redone] == ["wire.jsonl"]
    assert {r.output.split("-")[0] for r in results} == {"wire"} and sum(r.rows for r in results) == 204
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.parquet") if not p.name.startswith("wire")} == kept
    assert (
        block_table(out, "wire")
        .drop_columns([MODEL_COLUMN])
        .equals(single_process(predictor, inputs / "wire.jsonl", tmp_path))
    )
    (out / RUN_FILE).write_text("{not json")  # a damaged record: --force still starts over
    with pytest.raises(ResumeError, match="unreadable run record"):
        run_archive(predictor, tfidf_model_dir, inputs, out)
    plan, results = run_archive(predictor, tfidf_model_dir, inputs, out, force=True)
    assert not plan.done and sum(r.rows for r in results) == 150 + 37 + 22 + 204
    record = json.loads((out / RUN_FILE).read_text())
    assert set(record["files"]) == {f.uri for f in plan.files}


def test_a_file_that_shrinks_after_planning_fails_its_block_instead_of_losing_rows(
    predictor, tfidf_model_dir, tmp_path
):
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_jsonl_input(inputs / "wire.jsonl", 100)
    out = tmp_path / "out"
    plan = plan_run(str(inputs), str(out), model_sha256=model_digest(tfidf_model_dir), batch_size=BATCH, block_rows=40)
    lines = (inputs / "wire.jsonl").read_text().splitlines(keepends=True)
    (inputs / "wire.jsonl").write_text("".join(lines[:70]))
    writer = BlockWriter(
        predictor,
        model_sha256="m",
        output_dir=str(out),
        text_column="text",
        batch_size=BATCH,
        formatters=plan.formatters,
    )
    results = [writer.write(b) for b in plan.pending]
    assert [r.error is None for r in results] == [True, False, False]
    assert "should hold 48 rows" in results[1].error and "wire.jsonl" in results[1].error
    assert len(list(out.glob("*.parquet"))) == 1 and not list(out.glob(".*.tmp"))


def test_upper_case_gzip_hidden_folders_and_a_relative_output(predictor, tfidf_model_dir, tmp_path, monkeypatch):
    import gzip

    inputs = tmp_path / "in"
    (inputs / "_temporary" / "0").mkdir(parents=True)
    (inputs / ".ipynb_checkpoints").mkdir()
    write_jsonl_input(inputs / "_temporary" / "0" / "part-0.jsonl", 5)
    write_jsonl_input(inputs / ".ipynb_checkpoints" / "w.jsonl", 5)
    raw = write_jsonl_input(tmp_path / "w.jsonl", 30).read_bytes()
    (inputs / "W.JSONL.GZ").write_bytes(gzip.compress(raw))
    assert [Path(f.path).name for f in list_inputs(str(inputs))] == ["W.JSONL.GZ"]
    monkeypatch.chdir(tmp_path)
    plan, results = run_archive(predictor, tfidf_model_dir, "in", "relative-out")
    assert plan.output_dir == str(tmp_path / "relative-out")
    assert results[0].failed == 1 and results[0].rows == 31  # one broken line, the rest classified
    assert (
        block_table(tmp_path / "relative-out", "W")
        .drop_columns([MODEL_COLUMN])
        .equals(single_process(predictor, tmp_path / "w.jsonl", tmp_path))
    )


def test_uris_keep_their_host_and_options_and_output_names_never_clash():
    from classifier.archive import _refuse_clashes
    from classifier.blocks import Block, file_uri

    assert file_uri("s3://b/d?region=x&endpoint_override=h:9000", "b/d/a.parquet") == (
        "s3://b/d/a.parquet?region=x&endpoint_override=h:9000"
    )
    assert file_uri("hdfs://nn:8020/data", "/data/a.jsonl") == "hdfs://nn:8020/data/a.jsonl"
    assert file_uri("/local/dir", "/local/dir/a.jsonl") == "/local/dir/a.jsonl"
    same = [Block(uri, 0, "jsonl", 0, 1, "data-0123456789abcdef-00000.parquet") for uri in ("/a/x", "/b/x")]
    with pytest.raises(ConfigError, match="would both write"):
        _refuse_clashes(same)


def test_a_new_file_in_the_folder_is_added_and_the_output_folder_is_never_an_input(
    predictor, tfidf_model_dir, tmp_path
):
    inputs = archive(tmp_path / "in")
    out = inputs / "results"  # inside the input folder
    run_archive(predictor, tfidf_model_dir, inputs, out)
    write_jsonl_input(inputs / "later.jsonl", 10)
    plan, results = run_archive(predictor, tfidf_model_dir, inputs, out)
    assert [r.output.split("-")[0] for r in results] == ["later"]
    assert all("results" not in f.path for f in plan.files)


def test_errors_name_the_file_and_existing_foreign_parquet_is_not_mixed_in(predictor, tfidf_model_dir, tmp_path):
    inputs = archive(tmp_path / "in")
    pq.write_table(pa.table({"body": ["x"]}), inputs / "c.parquet")
    with pytest.raises(DataError, match=r"c\.parquet: no 'text' column"):
        run_archive(predictor, tfidf_model_dir, inputs, tmp_path / "out")
    with pytest.raises(DataError, match="no input files"):
        list_inputs(str(tmp_path / "out"))
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    pq.write_table(pa.table({"x": [1]}), foreign / "part-0.parquet")
    with pytest.raises(OutputExistsError, match="no run record"):
        run_archive(predictor, tfidf_model_dir, inputs / "a.parquet", foreign)


def test_an_unreadable_block_is_reported_and_left_to_do(predictor, tfidf_model_dir, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_parquet(inputs / "a.parquet", 100)
    plan = plan_run(
        str(inputs), str(tmp_path / "out"), model_sha256=model_digest(tfidf_model_dir), batch_size=BATCH, block_rows=40
    )
    (inputs / "a.parquet").write_bytes(b"PAR1 damaged after planning")
    writer = BlockWriter(
        predictor,
        model_sha256="x",
        output_dir=str(tmp_path / "out"),
        text_column="text",
        batch_size=BATCH,
        formatters=plan.formatters,
    )
    result = writer.write(plan.pending[0])
    assert result.error is not None and "a.parquet" in result.error and result.rows == 0
    assert not list((tmp_path / "out").glob("*.parquet")) and not list((tmp_path / "out").glob(".*"))


def test_globs_keep_to_one_folder_unless_double_starred(tmp_path):
    assert _glob_regex("/d/*.parquet").match("/d/x.parquet")
    assert not _glob_regex("/d/*.parquet").match("/d/sub/x.parquet")
    assert _glob_regex("/d/**/*.parquet").match("/d/sub/deep/x.parquet")
    assert _glob_regex("/d/**/*.parquet").match("/d/x.parquet")
    assert _glob_regex("/d/part-[0-9].jsonl").match("/d/part-3.jsonl")
    inputs = archive(tmp_path / "in")
    found = list_inputs(str(inputs / "*.parquet"))
    assert [Path(f.path).name for f in found] == ["a.parquet", "b.parquet"]
    assert filesystem(str(inputs))[1] == str(inputs)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.sampled_from(["a", "", "  ", '{"text": "b"}', "x\r"]), max_size=30),
    final_newline=st.booleans(),
    block_rows=st.integers(1, 7),
)
def test_line_blocks_read_back_the_rows_of_the_whole_file(lines, final_newline, block_rows):
    data = "\n".join(lines).encode() + (b"\n" if final_newline and lines else b"")
    whole = list(iter_input_rows(io.BytesIO(data), "text"))
    spans = _line_spans(io.BytesIO(data), block_rows)
    got = []
    for start, rows, offset, length in spans:
        from classifier.batch_io import InputReader

        part = list(InputReader(io.BytesIO(data[offset : offset + length]), "text", first_line=start + 1))
        assert len(part) == rows
        got.extend(part)
    assert got == whole


def test_read_block_numbers_parquet_rows_as_in_the_whole_file(tmp_path):
    path = write_parquet(tmp_path / "a.parquet", 150, row_group_size=40)
    plan = plan_run(str(path), str(tmp_path / "out"), model_sha256="m", batch_size=BATCH, block_rows=40)
    fs_, _ = filesystem(str(path))
    rows = [row for b in plan.blocks for row in read_block(b, fs_, str(path), "text")]
    assert rows == list(iter_input_rows(path))


@settings(max_examples=200, deadline=None)
@given(
    groups=st.lists(st.integers(1, 300), min_size=1, max_size=12),
    block_rows=st.integers(1, 400),
    batch=st.sampled_from([1, 7, 16]),
)
def test_parquet_blocks_enter_a_row_group_by_less_than_a_batch_and_never_cut_one_twice(groups, block_rows, batch):
    block_rows = -(-block_rows // batch) * batch
    starts = parquet_block_starts(groups, block_rows, batch)
    group_starts = [sum(groups[:g]) for g in range(len(groups))]
    assert starts[0] == 0 and starts == sorted(set(starts)) and starts[-1] < sum(groups)
    for s in starts:
        assert s % batch == 0
        entered = max(g for g in group_starts if g <= s)
        assert s - entered < batch  # at most one batch of a group is decoded by a block that does not use it
    bounds = [*starts[1:], sum(groups)]
    for s, e in zip(starts, bounds, strict=True):
        # a block goes past block_rows only where no row group starts inside it to cut at (or by a last small group)
        cuts = [c for g in group_starts if s < (c := -(-g // batch) * batch) < e]
        assert e - s <= block_rows or not cuts or e - s < block_rows + batch


def test_a_file_written_as_one_huge_row_group_is_one_block_and_small_groups_are_joined(tmp_path):
    big = write_parquet(tmp_path / "big.parquet", 300, row_group_size=300)
    small = write_parquet(tmp_path / "small.parquet", 150, row_group_size=10)
    for path, sizes in ((big, [300]), (small, [48, 48, 48, 6])):
        plan = plan_run(
            str(path), str(tmp_path / f"out-{path.stem}"), model_sha256="m", batch_size=BATCH, block_rows=40
        )
        assert [b.rows for b in plan.blocks] == sizes
        fs_, _ = filesystem(str(path))
        assert [row for b in plan.blocks for row in read_block(b, fs_, str(path), "text")] == list(
            iter_input_rows(path)
        )


def test_without_ray_the_engine_says_which_extra_to_install(tfidf_model_dir, tmp_path, monkeypatch):
    import sys

    from classifier.errors import MissingDependencyError
    from classifier.ray_engine import run_on_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as without the extra
    with pytest.raises(MissingDependencyError, match=r"stance-and-tone\[ray\]"):
        run_on_ray(tfidf_model_dir, str(tmp_path), str(tmp_path / "out"))
