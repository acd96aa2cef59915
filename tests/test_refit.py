"""Refitting the transformer on train + validation keeps the train-only model's choices and honest scores."""

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from classifier.config import TransformerConfig
from classifier.corpus import read_statements
from classifier.errors import ConfigError, ModelFormatError
from classifier.predictor import Predictor
from tests.conftest import MINI
from training.ensemble import honest_validation_scores
from training.pipeline import split_for_training

pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def source_and_refit(tmp_path_factory, mini_corpus):
    from tests.tiny_bert import build_tiny_bert
    from training.pipeline import train_model
    from training.refit import refit_transformer

    base = str(build_tiny_bert(tmp_path_factory.mktemp("tiny")))
    config = TransformerConfig(epochs=2, max_length=24, window_stride=16, batch_size=8)
    root = tmp_path_factory.mktemp("refit")
    source = train_model("transformer", mini_corpus, root / "source", config=config, base_model_path=base).path
    refit = refit_transformer(source, mini_corpus, root / "refit", base_model_path=base)
    return source, refit


def test_refit_learns_from_both_splits_with_the_source_decisions(source_and_refit, mini_corpus):
    source, refit = source_and_refit
    src, new = (json.loads((d / "model.json").read_text()) for d in (source, refit.path))
    assert new["training"]["fit_on"] == "train+validation"
    assert new["training"]["n_train"] == src["training"]["n_train"] + src["training"]["n_validation"]
    assert new["thresholds"] == src["thresholds"] and new["calibration"] == src["calibration"]
    assert new["onnx"]["file"] == src["onnx"]["file"] and (refit.path / new["onnx"]["file"]).is_file()
    assert new["training"]["refit_from"]["epochs"] in (1.0, 2.0)
    texts = [t for t, _, _ in MINI]
    stance, _ = Predictor.load(refit.path).scores(texts)  # loads with the manifest check and classifies
    assert not np.allclose(stance, Predictor.load(source).scores(texts)[0])  # other weights, not a copy


def test_an_ensemble_with_the_refit_member_fits_on_the_source_honest_scores(
    source_and_refit, mini_corpus, tfidf_model_dir, tmp_path
):
    from training.ensemble import train_ensemble

    source, refit = source_and_refit
    with_source = train_ensemble([tfidf_model_dir, source], mini_corpus, tmp_path / "a").path
    with_refit = train_ensemble([tfidf_model_dir, refit.path], mini_corpus, tmp_path / "b").path
    a, b = (json.loads((d / "model.json").read_text()) for d in (with_source, with_refit))
    weights = [[(m["stance_weight"], m["tone_weight"]) for m in x["ensemble"]["members"]] for x in (a, b)]
    assert weights[0] == weights[1]
    assert a["thresholds"] == b["thresholds"]
    meta = json.loads((refit.path / "model.json").read_text())
    train, validation, _ = split_for_training(read_statements(mini_corpus), 13)
    with pytest.raises(ModelFormatError, match="stored validation scores are missing"):
        honest_validation_scores(refit.path, meta, train, validation[1:])  # other validation statements


def test_refit_refuses_what_it_cannot_refit(source_and_refit, mini_corpus, tfidf_model_dir, tmp_path):
    from training.refit import refit_transformer

    with pytest.raises(ConfigError, match="only a transformer"):
        refit_transformer(tfidf_model_dir, mini_corpus, tmp_path / "x")
    with pytest.raises(ConfigError, match="training split only"):
        refit_transformer(source_and_refit[1].path, mini_corpus, tmp_path / "y")
