"""The fine-tuned transformer, with a tiny BERT built in the test (seconds, offline)."""

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from classifier.config import TransformerConfig
from classifier.predictor import Predictor
from tests.conftest import MINI, heavy_modules_imported_by_classifying

pytestmark = pytest.mark.torch
TEXTS = [t for t, _, _ in MINI]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, mini_corpus):
    from tests.tiny_bert import build_tiny_bert
    from training.pipeline import train_model

    base = build_tiny_bert(tmp_path_factory.mktemp("tiny"))
    config = TransformerConfig(epochs=3, max_length=24, window_stride=16, batch_size=8)
    out = tmp_path_factory.mktemp("models") / "transformer"
    return train_model("transformer", mini_corpus, out, config=config, base_model_path=str(base)).path


def test_model_directory_holds_weights_tokenizer_onnx_card_and_metadata(trained):
    names = {p.name for p in trained.iterdir()}
    assert {
        "model.safetensors",
        "heads.safetensors",
        "config.json",
        "tokenizer.json",
        "model.onnx",
        "model.json",
        "manifest.json",
        "README.md",
    } <= names
    assert not any(name.endswith((".bin", ".pkl", ".pt")) for name in names)
    meta = json.loads((trained / "model.json").read_text())
    assert meta["kind"] == "transformer" and meta["model_config"]["max_length"] == 24
    variants = meta["onnx"]["variants"]
    fp32, int8 = variants["model.onnx"]["stance_macro_f1"], variants["model.int8.onnx"]["stance_macro_f1"]
    assert meta["onnx"]["file"] == ("model.int8.onnx" if int8 >= fp32 - 0.01 else "model.onnx")
    assert (trained / "model.int8.onnx").is_file()  # kept either way, for the benchmark
    # the file that runs brings its own calibration and thresholds, fitted on its own scores
    chosen = variants[meta["onnx"]["file"]]
    assert (meta["thresholds"], meta["calibration"]) == (chosen["thresholds"], chosen["calibration"])
    assert meta["validation_metrics"]["stance"]["macro_f1"] == chosen["stance_macro_f1"]
    config = json.loads((trained / "config.json").read_text())
    assert config["stance_labels"][0] == "retaliation_vow" and config["tone_labels"][-1] == "conciliatory"
    assert "Intended use and limits" in (trained / "README.md").read_text()


def test_torch_reload_gives_identical_scores_and_onnx_agrees(trained):
    from training.transformer_model import TransformerModel

    meta = json.loads((trained / "model.json").read_text())
    first = TransformerModel.load(trained, meta).predict_proba(TEXTS)
    second = TransformerModel.load(trained, meta).predict_proba(TEXTS)
    np.testing.assert_array_equal(first[0], second[0])
    onnx_meta = dict(meta, onnx={"file": "model.onnx"})
    from classifier.models.onnx_transformer import OnnxTransformerModel

    onnx = OnnxTransformerModel.load(trained, onnx_meta).predict_proba(TEXTS)
    np.testing.assert_allclose(first[0], onnx[0], atol=1e-5)
    np.testing.assert_allclose(first[1], onnx[1], atol=1e-5)


def test_long_statement_is_scored_by_windows_and_flagged(trained):
    long_text = " ".join(TEXTS)  # far beyond the 24-token window
    (result,) = Predictor.load(trained).classify([long_text])
    assert any(w.startswith("long_text: longer than the model's 24-token window") for w in result["warnings"])
    assert len(result["stance_scores"]) == 8


def test_classifying_with_the_transformer_never_imports_torch(trained):
    assert heavy_modules_imported_by_classifying(trained) == []


def test_cli_classifies_with_the_transformer(trained):
    from click.testing import CliRunner

    from classifier.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            "classify",
            "--model",
            str(trained),
            "--format",
            "json",
            "We will avenge the martyrs.",
            "The minister visits Oman.",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [1, 2]
    assert all(set(r["tone_scores"]) == {"hostile", "defiant", "solemn", "measured", "conciliatory"} for r in rows)


def test_ensemble_of_transformer_and_tfidf_uses_their_honest_validation_scores(
    trained, tfidf_model_dir, mini_corpus, tmp_path
):
    from classifier.corpus import read_statements
    from classifier.predictor import Predictor
    from training.ensemble import honest_validation_scores, train_ensemble
    from training.pipeline import split_for_training

    statements = read_statements(mini_corpus)
    train, validation, _ = split_for_training(statements, 13)
    meta = json.loads((trained / "model.json").read_text())
    assert meta["training"]["fit_on"] == "train"
    # a member trained on train only is scored directly on validation
    direct = Predictor.load(trained).scores([s.text for s in validation])
    np.testing.assert_allclose(honest_validation_scores(trained, meta, train, validation)[0], direct[0])
    out = train_ensemble([trained, tfidf_model_dir], mini_corpus, tmp_path / "ens").path
    predictor = Predictor.load(out)
    assert predictor.kind == "ensemble" and predictor.model.batch_size_hint == 1024
    (result,) = predictor.classify(["Our hearts are with the people of Gaza. " * 30])
    assert any(w.startswith("long_text") for w in result["warnings"])


def test_sentences_keep_abbreviations_quotes_and_short_fragments_together():
    from classifier.models.windows import sentences

    text = (
        'The U.S. envoy said: "We will respond." Gen. Salami warned that any attack would fail. Then? No. Talks go on.'
    )
    assert sentences(text) == [
        'The U.S. envoy said: "We will respond."',
        "Gen. Salami warned that any attack would fail.",
        "Then? No. Talks go on.",
    ]
    assert sentences("One line only") == ["One line only"]


def test_training_pools_windows_per_statement_as_inference_does():
    import torch

    from classifier.models.windows import Windows, pool
    from training.transformer_model import StanceToneNet

    stance = torch.tensor([[1.0, -2.0], [3.0, -4.0], [0.5, 0.5]])
    tone = torch.tensor([[1.0, 0.0], [3.0, 2.0], [0.0, 1.0]])
    owner = torch.tensor([0, 0, 1])
    s, t = StanceToneNet._pool(stance, tone, owner)
    windows = Windows([[0], [0], [0]], owner.numpy(), np.array([2, 1]), np.array([False, False]))
    s_np, t_np = pool(windows, stance.numpy(), tone.numpy(), 2)
    np.testing.assert_allclose(torch.sigmoid(s).numpy(), s_np, rtol=1e-6)
    np.testing.assert_allclose(torch.softmax(t, -1).numpy(), t_np, rtol=1e-6)


def test_recipe_options_sentences_rdrop_layer_decay_and_freezing(mini_corpus, tmp_path):
    from classifier.decision import stances_to_matrix, tones_to_indices
    from tests.tiny_bert import build_tiny_bert
    from training.transformer_model import TransformerModel

    base = build_tiny_bert(tmp_path / "tiny")
    config = TransformerConfig(
        epochs=2,
        max_length=24,
        window_stride=16,
        batch_size=8,
        segments="sentences",
        rdrop_alpha=1.0,
        layer_lr_decay=0.8,
        freeze_layers=1,
        class_weights=False,
        masking="names",
        quantize=False,
    )
    model = TransformerModel(config, base_model_path=str(base))
    frozen_before = {n: p.detach().clone() for n, p in _tiny_encoder_params(base)}
    y_s, y_t = stances_to_matrix([s for _, s, _ in MINI]), tones_to_indices([t for _, _, t in MINI])
    model.fit(TEXTS, y_s, y_t, validation=(TEXTS[:8], y_s[:8], y_t[:8]))
    after = dict(model.net_.encoder.named_parameters())
    embeddings = [n for n in frozen_before if "embeddings" in n]
    assert embeddings and all(torch_equal(frozen_before[n], after[n]) for n in embeddings)
    assert not all(torch_equal(frozen_before[n], after[n]) for n in frozen_before if ".layer.1." in n)
    text = "We condemn the strike. Our hearts are with the families. The UN must act now."
    windows = model._windows([text])
    assert windows.n_windows[0] == 3 and not windows.over_length[0]
    stance, tone = model.predict_proba([text, TEXTS[0]])
    assert stance.shape == (2, 8) and np.allclose(tone.sum(1), 1)


def _tiny_encoder_params(base):
    from transformers import AutoModel

    return AutoModel.from_pretrained(base).named_parameters()


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a, b))


def test_training_leaves_the_process_settings_alone(tmp_path, mini_corpus, monkeypatch):
    import logging
    import os

    import onnxruntime  # noqa: F401  (importing these sets their own variables and logger levels: theirs)
    import sklearn  # noqa: F401
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from transformers import Trainer  # noqa: F401

    from tests.tiny_bert import build_tiny_bert
    from training.pipeline import train_model

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    logging.getLogger("transformers").setLevel(logging.INFO)
    before = (dict(os.environ), logging.getLogger().level, logging.getLogger("transformers").level)
    base = build_tiny_bert(tmp_path / "tiny")
    config = TransformerConfig(epochs=1, max_length=24, window_stride=16, batch_size=8)
    train_model("transformer", mini_corpus, tmp_path / "m", config=config, base_model_path=str(base))
    after = (dict(os.environ), logging.getLogger().level, logging.getLogger("transformers").level)
    added = {k: v for k, v in after[0].items() if before[0].get(k) != v}
    assert added == {} and after[1:] == before[1:]


def test_the_int8_file_scores_a_statement_the_same_whatever_shares_its_batch(trained):
    from classifier.models.onnx_transformer import OnnxTransformerModel

    meta = json.loads((trained / "model.json").read_text())
    int8 = OnnxTransformerModel.load(trained, {**meta, "onnx": {"file": "model.int8.onnx"}})
    alone = int8.predict_proba(TEXTS[:1])
    crowded = int8.predict_proba([TEXTS[0], *TEXTS[5:40]])  # other lengths, other activations
    # equal up to float rounding; dynamic quantisation moved them by about 1e-2
    assert np.allclose(alone[0][0], crowded[0][0], atol=1e-6) and np.allclose(alone[1][0], crowded[1][0], atol=1e-6)
