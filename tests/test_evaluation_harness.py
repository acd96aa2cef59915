"""The harness end to end on two tiny TF-IDF models trained on an inline corpus."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_evaluation_support import corpus_rows, write_jsonl

from classifier.decision import stances_to_matrix, tones_to_indices
from classifier.errors import ConfigError, DataError
from classifier.predictor import Predictor
from classifier.schema import STANCES, TONES
from evaluation import harness
from evaluation.metrics import summarise

SUMMARISE_KEYS = {"n", "stance", "tone", "primary_stance_accuracy"}

#: fixtures eval_corpus, eval_models, eval_results
pytest_plugins = ["test_evaluation_support"]


def test_results_have_every_section(eval_results):
    assert {
        "format_version",
        "created_at",
        "schema",
        "settings",
        "data",
        "warnings",
        "model_names",
        "models",
        "comparisons",
        "breakdowns",
        "errors",
        "disagreements",
        "behaviour",
        "verdict",
    } <= set(eval_results)
    assert eval_results["model_names"] == ["tfidf-default", "tfidf-words"]
    assert eval_results["data"]["split_used"] == "test" and eval_results["data"]["n"] == 7
    for name in eval_results["model_names"]:
        model = eval_results["models"][name]
        assert model["kind"] == "tfidf"
        m = model["metrics"]
        assert set(m) >= SUMMARISE_KEYS
        assert set(m["stance"]["per_label"]) == set(STANCES)
        assert set(m["stance"]["per_label"]["condemnation"]) == {"precision", "recall", "f1", "support"}
        assert set(m["tone"]["per_label"]) == set(TONES)
        assert {
            "stance.macro_f1",
            "stance.micro_f1",
            "stance.samples_f1",
            "primary_stance_exact",
            "primary_stance_accuracy",
            "tone.accuracy",
            "tone.macro_f1",
        } == set(m["ci95"])
        assert set(m["stance"]["average_precision"]) == set(STANCES)
        assert {"ece", "bins", "per_label"} <= set(m["calibration"]["stance"])
        assert {"ece", "bins"} <= set(m["calibration"]["tone"])
        assert len(eval_results["errors"][name]) <= eval_results["settings"]["top_k_errors"]
    assert set(eval_results["breakdowns"]) == {"speaker", "year"}
    assert sum(eval_results["breakdowns"]["speaker"]["groups"].values()) == 7
    (comp,) = eval_results["comparisons"]
    assert (comp["a"], comp["b"]) == ("tfidf-default", "tfidf-words")
    assert set(eval_results["behaviour"]["models"]) == set(eval_results["model_names"])
    assert eval_results["verdict"]["recommended"] in eval_results["model_names"]


def test_results_are_plain_json(eval_results):
    assert json.loads(json.dumps(eval_results, allow_nan=False)) == eval_results


def test_metrics_match_a_direct_computation(eval_results, eval_models, eval_corpus):
    """The harness must score the test split exactly as Predictor.classify labels it."""
    test = [r for r in corpus_rows() if r["split"] == "test"]
    predictor = Predictor.load(eval_models[0])
    out = predictor.classify([r["text"] for r in test])
    stance, _ = predictor.scores([r["text"] for r in test])
    direct = summarise(
        stances_to_matrix([r["stances"] for r in test]),
        stances_to_matrix([o["stances"] for o in out]),
        stance,
        tones_to_indices([r["tone"] for r in test]),
        tones_to_indices([o["tone"] for o in out]),
    )
    m = eval_results["models"]["tfidf-default"]["metrics"]
    for key in ("micro_f1", "macro_f1", "samples_f1"):
        assert m["stance"][key] == pytest.approx(direct["stance"][key])
    assert m["tone"]["accuracy"] == pytest.approx(direct["tone"]["accuracy"])
    exact = np.mean([o["stances"][0] == r["stances"][0] for o, r in zip(out, test, strict=True)])
    assert m["primary_stance_exact"] == pytest.approx(exact)


def test_intervals_contain_the_point_estimates(eval_results):
    for model in eval_results["models"].values():
        m = model["metrics"]
        for key, (lo, hi) in m["ci95"].items():
            node = m
            for part in key.split("."):
                node = node[part]
            assert lo - 1e-12 <= node <= hi + 1e-12, key


def test_comparison_is_paired_and_consistent(eval_results):
    comp = eval_results["comparisons"][0]
    for d in comp["metrics"].values():
        assert d["diff"] == pytest.approx(d["b"] - d["a"])
        assert d["significant"] == (d["ci95"][0] > 0 or d["ci95"][1] < 0)


def test_a_model_compared_with_itself_differs_by_exactly_zero(eval_models, eval_corpus):
    out = harness.compare([eval_models[0], eval_models[0]], eval_corpus, n_resamples=100, checks=None)
    assert len(set(out["model_names"])) == 2  # duplicate directories still get distinct names
    for d in out["comparisons"][0]["metrics"].values():
        assert d["diff"] == 0.0 and d["ci95"] == [0.0, 0.0] and not d["significant"]
    assert out["disagreements"][0]["n_differ"] == 0
    assert out["behaviour"] is None


def test_same_seed_same_results(eval_models, eval_corpus):
    first = harness.compare(eval_models, eval_corpus, n_resamples=50, seed=11, checks=None)
    second = harness.compare(eval_models, eval_corpus, n_resamples=50, seed=11, checks=None)
    for name in first["model_names"]:
        assert first["models"][name]["metrics"]["ci95"] == second["models"][name]["metrics"]["ci95"]
    assert first["comparisons"] == second["comparisons"]


def test_evaluate_returns_the_metrics_json_dict(eval_models, eval_corpus):
    m = harness.evaluate(eval_models[0], eval_corpus, n_resamples=50)
    assert set(m) >= SUMMARISE_KEYS and "ci95" in m and m["n"] == 7
    assert "ci95" not in harness.evaluate(eval_models[0], eval_corpus, n_resamples=0)


def test_write_and_read_results(eval_results, tmp_path):
    paths = harness.write_results(eval_results, tmp_path / "out")
    assert set(paths) == {"results"}  # two models: no metrics.json
    assert harness.read_results(paths["results"]) == eval_results
    single = {**eval_results, "model_names": ["tfidf-default"]}
    paths = harness.write_results(single, tmp_path / "one")
    metrics = json.loads(paths["metrics"].read_text(encoding="utf-8"))
    assert metrics == eval_results["models"]["tfidf-default"]["metrics"]
    assert not list((tmp_path / "out").glob("*.partial"))


def test_read_results_rejects_other_formats(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"format_version": 99}', encoding="utf-8")
    with pytest.raises(DataError, match="format version 99"):
        harness.read_results(path)


def test_split_selection(tmp_path):
    rows = corpus_rows()
    with_split = write_jsonl(tmp_path / "a.jsonl", rows)
    assert harness.load_eval_data(with_split, "test").split_used == "test"
    assert len(harness.load_eval_data(with_split, "validation").statements) == 6
    missing = harness.load_eval_data(with_split, "nonexistent")
    assert missing.split_used == "all" and len(missing.statements) == len(rows) and "no 'nonexistent'" in missing.note
    bare = write_jsonl(
        tmp_path / "b.jsonl", [{"text": r["text"], "stances": r["stances"], "tone": r["tone"]} for r in rows[:5]]
    )
    data = harness.load_eval_data(bare)
    assert data.split_used == "all" and len(data.statements) == 5 and "no split field" in data.note


def test_minimal_file_without_metadata_evaluates(eval_models, tmp_path):
    """Only text, stances and tone are required; breakdowns then simply do not appear."""
    rows = [{"text": r["text"], "stances": r["stances"], "tone": r["tone"]} for r in corpus_rows()[:12]]
    out = harness.compare(eval_models, write_jsonl(tmp_path / "x.jsonl", rows), n_resamples=20, checks=None)
    assert out["data"]["n"] == 12 and out["breakdowns"] == {}
    assert any("training or validation data" in w for w in out["warnings"])


def test_scores_by_length_band_when_lengths_differ(eval_models, tmp_path):
    rows = [{"text": r["text"], "stances": r["stances"], "tone": r["tone"]} for r in corpus_rows()[:12]]
    for r in rows[:4]:
        r["text"] = " ".join([r["text"]] * 12)  # well past 80 words
    out = harness.compare(eval_models, write_jsonl(tmp_path / "x.jsonl", rows), n_resamples=20, checks=None)
    groups = out["breakdowns"]["length"]["groups"]
    assert sum(groups.values()) == 12 and list(groups)[-1] in ("80-149", "150+")
    bands = ["1-14 words", "15-39", "40-79", "80-149", "150+"]
    assert [bands.index(g) for g in groups] == sorted(bands.index(g) for g in groups)  # shortest first
    assert set(out["breakdowns"]["length"]["models"]["tfidf-words"]) == set(groups)


def test_errors_are_ranked_and_explained(eval_results):
    errors = eval_results["errors"]["tfidf-words"]
    confidences = [e["confidence"] for e in errors]
    assert confidences == sorted(confidences, reverse=True)
    for e in errors:
        assert e["errors"] and e["confidence"] == max(x["confidence"] for x in e["errors"])
        for x in e["errors"]:
            if x["type"] == "false_stance":
                assert x["label"] in e["pred_stances"] and x["label"] not in e["gold_stances"]
            elif x["type"] == "missed_stance":
                assert x["label"] in e["gold_stances"] and x["label"] not in e["pred_stances"]
            else:
                assert x["label"] == e["pred_tone"] != e["gold_tone"]


def test_disagreement_counts_add_up(eval_results):
    (d,) = eval_results["disagreements"]
    for task in ("primary", "tone"):
        assert sum(d[task].values()) == d["n"]
    assert len(d["items"]) == d["n_differ"]
    for item in d["items"]:
        a, b = item["a"], item["b"]
        assert ("primary" in item["differs"]) == (a["stances"][0] != b["stances"][0])
        assert ("tone" in item["differs"]) == (a["tone"] != b["tone"])


def test_bad_arguments_raise_typed_errors(eval_models, tmp_path):
    with pytest.raises(ConfigError):
        harness.compare([], tmp_path / "x.jsonl")
    with pytest.raises(ConfigError):
        harness.evaluate(eval_models[0], n_resamples=-1)
    with pytest.raises(DataError, match="not found"):
        harness.evaluate(eval_models[0], tmp_path / "missing.jsonl")


def test_model_names_break_ties_with_parent_directories(tmp_path):
    assert harness.model_names([tmp_path / "a" / "tfidf", tmp_path / "b" / "tfidf"]) == ["a/tfidf", "b/tfidf"]
    assert harness.model_names([tmp_path / "tfidf", tmp_path / "transformer"]) == ["tfidf", "transformer"]


def test_slices_report_real_derived_and_non_iranian_statements_with_their_own_intervals(eval_models, tmp_path):
    from evaluation.report_md import render_markdown, terminal_summary

    rows = [r for r in corpus_rows() if r["split"] == "test"]
    for i, row in enumerate(rows):
        if i % 2:
            row.update(origin="real-derived", source_url=f"https://example.org/{i}")
        if i % 3 == 0:
            row.update(actor="non_iranian", speaker="other")
    path = write_jsonl(tmp_path / "sliced.jsonl", rows)
    results = harness.compare(eval_models, path, n_resamples=50, checks=None)
    slices = results["slices"]
    assert list(slices) == ["real-derived", "non-Iranian"]
    assert slices["real-derived"]["n"] == sum(i % 2 for i in range(len(rows)))
    assert slices["non-Iranian"]["n"] == sum(i % 3 == 0 for i in range(len(rows)))
    block = slices["real-derived"]
    for name in results["model_names"]:
        m = block["models"][name]
        assert 0 <= m["stance"]["macro_f1"] <= 1 and len(m["ci95"]["stance.macro_f1"]) == 2
    (comp,) = block["comparisons"]
    assert comp["metrics"]["stance.macro_f1"]["ci95"] is not None
    assert set(results["breakdowns"]["origin"]["groups"]) == {"composed", "real-derived"}
    assert "## Slices" in render_markdown(results) and "real-derived slice" in terminal_summary(results)


def test_no_slices_without_origin_or_actor_fields(eval_results):
    assert eval_results["slices"] == {}
    assert "origin" not in eval_results["breakdowns"]
