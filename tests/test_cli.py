"""The CLI through its real entry points: CliRunner for most, one subprocess for ``python -m``."""

import json
import subprocess
import sys

from click.testing import CliRunner

from classifier.cli import cli
from tests.conftest import write_jsonl


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_train_writes_a_model_and_refuses_to_overwrite(tmp_path, mini_corpus):
    out = tmp_path / "m"
    result = run("train", "--model", "tfidf", "--data", mini_corpus, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (train 32, validation 8;" in result.stdout
    again = run("train", "--data", mini_corpus, "--out", out)
    assert again.exit_code == 2
    assert again.stderr.strip() == f"error: {out} already exists; pass --force to overwrite it."
    assert run("train", "--data", mini_corpus, "--out", out, "--force").exit_code == 0


def test_train_on_bad_data_names_file_line_and_field_and_writes_nothing(tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"text": "x", "stances": ["threat"], "tone": "measured"}'])
    result = run("train", "--data", bad, "--out", tmp_path / "m")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"error: {bad}:1: stances: unknown stance 'threat'; valid")
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_classify_json_output_has_every_field_and_keeps_empty_rows_in_place(tfidf_model_dir):
    result = run(
        "classify",
        "--model",
        tfidf_model_dir,
        "--format",
        "json",
        "We strongly condemn this crime.",
        "   ",
        "The minister will visit Oman.",
    )
    assert result.exit_code == 2  # one statement could not be classified
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [1, 2, 3]  # arguments are rows 1..n, read like any input
    assert rows[1] == {"id": 2, "line": 2, "text": "   ", "error": "line 2: empty text"}
    first = rows[0]
    assert set(first) == {"id", "line", "text", "stances", "stance_scores", "tone", "tone_scores"}
    assert len(first["stance_scores"]) == 8 and len(first["tone_scores"]) == 5
    scores = [first["stance_scores"][s] for s in first["stances"]]
    assert scores == sorted(scores, reverse=True)
    assert "1 statement(s) could not be classified" in result.stderr


def test_classify_table_and_csv(tfidf_model_dir):
    table = run("classify", "--model", tfidf_model_dir, "--format", "table", "We condemn the attack.")
    assert table.exit_code == 0 and "stance:" in table.stdout and "tone:" in table.stdout
    csv_out = run("classify", "--model", tfidf_model_dir, "--format", "csv", "We condemn the attack.")
    header, row = csv_out.stdout.strip().splitlines()
    assert header.startswith(
        "id,line,text,other_fields,stances,primary_stance,tone,warnings,error,score_retaliation_vow"
    )
    assert row.startswith("1,1,We condemn the attack.,,")


def test_classify_without_a_model_trains_the_default_first(tmp_path, monkeypatch, mini_corpus):
    import classifier.paths

    monkeypatch.setattr(classifier.paths, "DEFAULT_DATA", mini_corpus)
    result = run("classify", "--format", "jsonl", "Our hearts are with the people of Gaza.")
    assert result.exit_code == 0, result.output
    assert "no trained model found: training the TF-IDF baseline" in result.stderr
    assert (tmp_path / "models" / "tfidf" / "model.json").is_file()
    second = run("classify", "--format", "jsonl", "Our hearts are with the people of Gaza.")
    assert "training" not in second.stderr and second.stdout == result.stdout


def test_setup_trains_what_is_missing_and_keeps_what_is_there(tmp_path, monkeypatch, mini_corpus):
    import classifier.paths

    monkeypatch.setattr(classifier.paths, "DEFAULT_DATA", mini_corpus)
    first = run("setup", "--baseline-only")
    assert first.exit_code == 0, first.output
    assert "tfidf: training on the bundled corpus" in first.stderr
    assert (tmp_path / "models" / "tfidf" / "model.json").is_file()
    again = run("setup", "--baseline-only")
    assert again.exit_code == 0 and "is there already" in again.stderr and "training" not in again.stderr


def test_user_errors_exit_2_with_one_line(tmp_path, tfidf_model_dir):
    missing = run("classify", "--model", tmp_path / "none", "hello")
    assert missing.exit_code == 2
    assert missing.stderr.count("\n") == 1 and "no such model directory" in missing.stderr
    both = run("classify", "--model", tfidf_model_dir, "--input", "x.txt", "text")
    assert both.exit_code == 2 and "not both" in both.stderr
    assert run("train", "--model", "bert").exit_code == 2


def test_unexpected_errors_exit_1_without_traceback(monkeypatch, tfidf_model_dir):
    from classifier.predictor import Predictor

    def boom(self, texts, ids=None, explain=False):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Predictor, "classify", boom)
    result = run("classify", "--model", tfidf_model_dir, "hello")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: unexpected RuntimeError: disk on fire (set STANCE_DEBUG=1 for the traceback)"
    )


def test_python_dash_m_entry_point(tfidf_model_dir):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "classifier",
            "classify",
            "--model",
            str(tfidf_model_dir),
            "--format",
            "jsonl",
            "We urge the Security Council to act.",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id"] == 1


def test_data_check_and_stats(tmp_path, mini_corpus):
    check = run("data", "check", mini_corpus)
    assert check.exit_code == 0 and check.stdout.strip().endswith("OK")
    dup = write_jsonl(
        tmp_path / "dup.jsonl",
        [
            {
                "id": "a",
                "text": "We condemn the attack on the consulate in Damascus.",
                "stances": ["condemnation"],
                "tone": "measured",
                "split": "train",
            },
            {
                "id": "b",
                "text": "We condemn the attack on the consulate in Damascus!",
                "stances": ["condemnation"],
                "tone": "measured",
                "split": "test",
            },
        ],
    )
    failed = run("data", "check", dup)
    assert failed.exit_code == 2
    assert "near duplicates across splits: 1" in failed.stdout and "ACROSS SPLITS: a (line 1, train)" in failed.stdout
    contrast = {
        "id": "c1",
        "text": "Talks on the consulate were held.",
        "stances": ["neutral"],
        "tone": "measured",
        "origin": "contrast",
        "contrast_of": "a",
    }
    batch = write_jsonl(tmp_path / "batch.jsonl", [contrast])
    against = run("data", "check", batch, "--partners", dup)
    assert against.exit_code == 0, against.stdout
    assert "checked with 1 partners from" in against.stdout
    assert run("data", "check", "--partners", dup).exit_code == 2  # a usage error: no batch named
    stats = run("data", "stats", "--json", mini_corpus)
    counts = json.loads(stats.stdout)
    assert counts["n"] == 40 and counts["split"] == {"train": 32, "validation": 8, "test": 0}
    assert counts["stance_primary"]["neutral"] == 5


def test_explain_gives_evidence_spans_from_the_statement(tfidf_model_dir):
    text = "We strongly condemn the attack on the hospital. Our hearts are with the families of the victims."
    result = run("classify", "--model", tfidf_model_dir, "--format", "json", "--explain", text)
    (row,) = json.loads(result.stdout)
    evidence = row["evidence"]
    assert set(evidence["stances"]) == set(row["stances"])
    for spans in [*evidence["stances"].values(), evidence["tone"]]:
        assert all(span["text"] in text and span["weight"] >= 0.05 for span in spans)
    table = run("classify", "--model", tfidf_model_dir, "--format", "table", "--explain", text)
    assert "evidence" in table.stdout


def test_evaluate_writes_metrics_json_with_the_promised_keys_and_prints_markdown(
    tmp_path, tfidf_model_dir, mini_corpus
):
    out = tmp_path / "eval"
    result = run("evaluate", "--model", tfidf_model_dir, "--data", mini_corpus, "--out", out, "--resamples", "50")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n"] == 40
    assert {"micro_f1", "macro_f1", "per_label"} <= set(metrics["stance"])
    assert set(metrics["stance"]["per_label"]["condemnation"]) == {"precision", "recall", "f1", "support"}
    assert {"accuracy", "macro_f1", "per_label"} <= set(metrics["tone"])
    assert 0 <= metrics["primary_stance_accuracy"] <= 1
    assert "| model | Stance macro-F1 |" in result.stdout and "**Verdict:**" in result.stdout
    assert {p.name for p in out.iterdir()} >= {"metrics.json", "results.json", "report.md", "report.html"}


def test_compare_runs_every_model_on_the_same_statements(tmp_path, tfidf_model_dir, mini_corpus):
    other = tmp_path / "words"
    config = tmp_path / "words.json"
    config.write_text(json.dumps({"char_ngrams": [3, 3], "stance_c": 1.0}))
    assert run("train", "--data", mini_corpus, "--out", other, "--config", config).exit_code == 0
    out = tmp_path / "cmp"
    result = run(
        "compare", "--models", tfidf_model_dir, other, "--data", mini_corpus, "--out", out, "--resamples", "50"
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert len(results["model_names"]) == 2 and results["data"]["n"] == 40
    assert len(results["comparisons"]) == 1
    assert "<html" in (out / "report.html").read_text().lower()
    # the reports re-render from results.json alone, identically
    again = tmp_path / "again"
    rendered = run("report", out / "results.json", "--out", again)
    assert rendered.exit_code == 0, rendered.output
    assert (again / "report.md").read_text() == (out / "report.md").read_text()


def test_evaluate_on_a_bad_file_is_a_one_line_error(tmp_path, tfidf_model_dir):
    bad = write_jsonl(tmp_path / "bad.jsonl", ['{"text": "x", "stances": [], "tone": "measured"}'])
    result = run("evaluate", "--model", tfidf_model_dir, "--data", bad, "--out", tmp_path / "e")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}:1: stances: must list at least one stance"


def test_ray_options_need_the_ray_engine_and_the_ray_engine_needs_files(tfidf_model_dir, tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", [{"text": "We condemn the strike."}])
    wrong = run("classify", "--model", tfidf_model_dir, "--input", data, "--actors", "2")
    assert wrong.exit_code == 2 and "need --engine ray" in wrong.stderr
    for args in (["We condemn it."], ["--input", data], ["--input", "-", "--output", tmp_path / "o"]):
        result = run("classify", "--engine", "ray", "--model", tfidf_model_dir, *args)
        assert result.exit_code == 2 and "--engine ray needs --input PATH" in result.stderr, args
    result = run(
        "classify",
        "--engine",
        "ray",
        "--model",
        tfidf_model_dir,
        "--input",
        data,
        "--output",
        tmp_path / "o",
        "--explain",
    )
    assert result.exit_code == 2 and "has no --explain" in result.stderr


def test_setup_rebuilds_an_ensemble_only_when_its_member_changed(tmp_path, mini_corpus, tfidf_model_dir):
    from classifier.cli import _has_member
    from classifier.config import TfidfConfig
    from training.ensemble import train_ensemble
    from training.pipeline import train_model

    other = train_model("tfidf", mini_corpus, tmp_path / "other", config=TfidfConfig(stance_c=0.5)).path
    ensemble = train_ensemble([tfidf_model_dir, other], mini_corpus, tmp_path / "ensemble").path
    assert _has_member(ensemble, other) and _has_member(ensemble, tfidf_model_dir)
    third = train_model("tfidf", mini_corpus, tmp_path / "third", config=TfidfConfig(stance_c=2.0)).path
    assert not _has_member(ensemble, third)
    assert not _has_member(tmp_path / "missing", other)
