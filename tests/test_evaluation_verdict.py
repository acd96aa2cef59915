"""The recommendation rule on hand-made results: significance decides, then tone, then speed."""

from __future__ import annotations

import pytest

from evaluation.verdict import difference, explain
from evaluation.verdict import verdict as verdict_data


def verdict(results: dict) -> dict:
    """The verdict as stored (data) together with its words, as a report shows them."""
    data = verdict_data(results)
    return {**data, **explain({**results, "verdict": data})}


def _model(name, kind, stance, tone, seconds=1.0):
    return {
        "name": name,
        "kind": kind,
        "inference_seconds": seconds,
        "metrics": {
            "stance": {"macro_f1": stance},
            "tone": {"macro_f1": tone},
            "ci95": {"stance.macro_f1": [stance - 0.05, stance + 0.05], "tone.macro_f1": [tone - 0.05, tone + 0.05]},
        },
    }


def _diff(a, b, lo, hi):
    return {"a": a, "b": b, "diff": b - a, "ci95": [lo, hi], "p_value": 0.5, "significant": lo > 0 or hi < 0}


def _results(models, comparisons, n=500, n_resamples=1000, behaviour=None):
    return {
        "model_names": [m["name"] for m in models],
        "models": {m["name"]: m for m in models},
        "comparisons": comparisons,
        "data": {"n": n},
        "settings": {"n_resamples": n_resamples},
        "warnings": [],
        "behaviour": behaviour,
    }


def test_a_significantly_better_model_wins():
    models = [_model("tfidf", "tfidf", 0.60, 0.70, 0.1), _model("minilm", "transformer", 0.70, 0.69, 5.0)]
    comps = [
        {
            "a": "tfidf",
            "b": "minilm",
            "metrics": {
                "stance.macro_f1": _diff(0.60, 0.70, 0.04, 0.16),
                "tone.macro_f1": _diff(0.70, 0.69, -0.05, 0.03),
            },
        }
    ]
    v = verdict(_results(models, comps))
    assert (v["recommended"], v["rule"], v["clear"]) == ("minilm", "main", True)
    assert v["summary"].startswith("Use minilm (transformer): stance macro-F1 0.700 [0.650, 0.750]")
    assert "+0.100" in v["reasons"][0] and "significant" in v["reasons"][0]


def test_a_tie_goes_to_the_faster_model():
    models = [_model("tfidf", "tfidf", 0.66, 0.70, 0.1), _model("minilm", "transformer", 0.68, 0.71, 5.0)]
    comps = [
        {
            "a": "tfidf",
            "b": "minilm",
            "metrics": {
                "stance.macro_f1": _diff(0.66, 0.68, -0.02, 0.06),
                "tone.macro_f1": _diff(0.70, 0.71, -0.03, 0.05),
            },
        }
    ]
    v = verdict(_results(models, comps))
    assert (v["recommended"], v["rule"], v["clear"]) == ("tfidf", "speed", False)
    assert v["top_group"] == ["tfidf", "minilm"]
    assert "not separable from minilm (transformer)" in v["summary"]


def test_a_tie_without_a_2x_speed_gap_keeps_the_best_point_estimate():
    models = [_model("tfidf", "tfidf", 0.66, 0.70, 0.3), _model("tfidf2", "tfidf", 0.68, 0.71, 0.4)]
    comps = [
        {
            "a": "tfidf",
            "b": "tfidf2",
            "metrics": {
                "stance.macro_f1": _diff(0.66, 0.68, -0.02, 0.06),
                "tone.macro_f1": _diff(0.70, 0.71, -0.03, 0.05),
            },
        }
    ]
    v = verdict(_results(models, comps))
    assert (v["recommended"], v["rule"], v["clear"]) == ("tfidf2", "tie", False)
    assert "no model is 2x faster" in v["reasons"][-1]


def test_within_a_tie_significantly_better_tone_wins():
    models = [_model("tfidf", "tfidf", 0.66, 0.60, 0.1), _model("minilm", "transformer", 0.68, 0.75, 5.0)]
    comps = [
        {
            "a": "tfidf",
            "b": "minilm",
            "metrics": {
                "stance.macro_f1": _diff(0.66, 0.68, -0.02, 0.06),
                "tone.macro_f1": _diff(0.60, 0.75, 0.08, 0.22),
            },
        }
    ]
    v = verdict(_results(models, comps))
    assert (v["recommended"], v["rule"]) == ("minilm", "second")


def test_tone_caveat_and_small_sample_caveat():
    models = [_model("a", "tfidf", 0.60, 0.80), _model("b", "transformer", 0.72, 0.65)]
    comps = [
        {
            "a": "a",
            "b": "b",
            "metrics": {
                "stance.macro_f1": _diff(0.60, 0.72, 0.05, 0.19),
                "tone.macro_f1": _diff(0.80, 0.65, -0.22, -0.08),
            },
        }
    ]
    v = verdict(_results(models, comps, n=60))
    assert v["recommended"] == "b"
    assert any("significantly better on tone" in c and c.startswith("a (tfidf)") for c in v["caveats"])
    assert any("Only 60 evaluation statements" in c for c in v["caveats"])


def test_without_bootstrap_the_best_point_estimate_is_named_with_a_warning():
    models = [_model("a", "tfidf", 0.70, 0.70, 0.1), _model("b", "transformer", 0.60, 0.70, 5.0)]
    comps = [
        {
            "a": "a",
            "b": "b",
            "metrics": {
                "stance.macro_f1": {
                    "a": 0.7,
                    "b": 0.6,
                    "diff": -0.1,
                    "ci95": None,
                    "p_value": None,
                    "significant": False,
                }
            },
        }
    ]
    v = verdict(_results(models, comps, n_resamples=0))
    assert (v["recommended"], v["rule"]) == ("a", "point")
    assert "unknown whether the lead is real" in v["summary"]


def test_difference_is_read_in_either_direction():
    comps = [{"a": "x", "b": "y", "metrics": {"k": _diff(0.5, 0.6, 0.02, 0.18)}}]
    forward, backward = difference(comps, "x", "y", "k"), difference(comps, "y", "x", "k")
    assert forward["diff"] == pytest.approx(0.1) and backward["diff"] == pytest.approx(-0.1)
    assert backward["ci95"] == [-0.18, -0.02]
    assert difference(comps, "x", "z", "k") is None


def test_the_stored_verdict_is_data_and_its_words_come_at_render_time():
    models = [_model("tfidf", "tfidf", 0.60, 0.70, 0.1), _model("minilm", "transformer", 0.70, 0.69, 5.0)]
    metrics = {"stance.macro_f1": _diff(0.60, 0.70, 0.04, 0.16), "tone.macro_f1": _diff(0.70, 0.69, -0.05, 0.03)}
    results = _results(models, [{"a": "tfidf", "b": "minilm", "metrics": metrics}])
    stored = verdict_data(results)
    assert stored == {"recommended": "minilm", "rule": "main", "clear": True, "top_group": ["minilm"]}
    assert explain({**results, "verdict": stored})["summary"].startswith("Use minilm (transformer)")
