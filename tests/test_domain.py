"""Off-topic detection: text unlike the training statements gets an ``off_topic:`` warning, real statements do not."""

from __future__ import annotations

import json

from classifier.domain import FLAG_RATE, DomainIndex, fit_domain
from classifier.predictor import Predictor
from tests.conftest import MINI, write_jsonl
from tests.test_audit import FRAMES
from training.pipeline import train_model

OFF_TOPIC = [
    "The striker scored twice as the home side came back to win the derby three goals to one.",
    "Whisk the eggs with sugar, fold in the flour and bake the sponge for twenty minutes at 180 degrees.",
    "Shares in chipmakers rallied after quarterly earnings beat analyst forecasts on strong cloud demand.",
    "To install the package, run pip install and then restart your Jupyter kernel before importing it.",
]


def _texts(frames):
    return [frame.format(text) for text, _, _ in MINI for frame in frames]


def test_off_topic_texts_fall_below_the_threshold_and_the_tuning_rate_holds():
    index = fit_domain(_texts(FRAMES[:6]), _texts(FRAMES[6:]))
    tuning = index.domain_score(_texts(FRAMES[6:]))
    assert (tuning < index.threshold).mean() <= FLAG_RATE + 1 / len(tuning)
    assert all(w and w[0].startswith("off_topic:") for w in index.warnings(OFF_TOPIC))
    on_topic = [f"Reporters were told on Monday: {MINI[15][0]}"]  # the index knows these words well
    assert index.warnings(on_topic) == [[]]


def test_the_index_round_trips_and_a_trained_model_warns(tmp_path):
    rows = [
        {
            "id": f"s{i}-{k}",
            "text": frame.format(text),
            "stances": stances,
            "tone": tone,
            "event": f"e{k}-{i}",
            "split": "validation" if k >= 6 else "train",
        }
        for i, (text, stances, tone) in enumerate(MINI)
        for k, frame in enumerate(FRAMES)
    ]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    out = train_model("tfidf", data, tmp_path / "model").path
    meta = json.loads((out / "model.json").read_text())
    assert meta["off_topic"]["threshold"] > 0
    index = DomainIndex.load(out)
    assert index is not None and abs(index.threshold - meta["off_topic"]["threshold"]) < 1e-4
    results = Predictor.load(out).classify([OFF_TOPIC[0], rows[0]["text"]])
    assert results[0]["warnings"][0].startswith("off_topic:")
    assert not any(w.startswith("off_topic:") for w in results[1].get("warnings", []))
