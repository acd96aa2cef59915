"""One contract, every model: the same tests run over the TF-IDF baseline and the transformer."""

import numpy as np
import pytest

from classifier.config import TfidfConfig, TransformerConfig
from classifier.decision import stances_to_matrix, tones_to_indices
from classifier.modelfile import METADATA_FILE, build_metadata, write_json, write_model_dir
from classifier.predictor import Predictor
from tests.conftest import MINI

TEXTS = [t for t, _, _ in MINI]
Y_STANCE = stances_to_matrix([s for _, s, _ in MINI])
Y_TONE = tones_to_indices([t for _, _, t in MINI])


def _tfidf(tmp_path):
    from classifier.models.tfidf import TfidfModel

    return TfidfModel(TfidfConfig())


def _transformer(tmp_path):
    pytest.importorskip("torch")
    from tests.tiny_bert import build_tiny_bert
    from training.transformer_model import TransformerModel

    base = build_tiny_bert(tmp_path / "tiny")
    return TransformerModel(
        TransformerConfig(epochs=2, max_length=32, window_stride=24, batch_size=8, quantize=False),
        base_model_path=str(base),
    )


@pytest.fixture(params=[_tfidf, pytest.param(_transformer, marks=pytest.mark.torch)], ids=["tfidf", "transformer"])
def fitted(request, tmp_path):
    model = request.param(tmp_path)
    return model.fit(TEXTS, Y_STANCE, Y_TONE, validation=(TEXTS[:8], Y_STANCE[:8], Y_TONE[:8]))


def test_predict_proba_shapes_and_ranges(fitted):
    stance, tone = fitted.predict_proba([*TEXTS[:5], "A statement never seen before in any form."])
    assert stance.shape == (6, 8) and tone.shape == (6, 5)
    assert ((stance >= 0) & (stance <= 1)).all()
    np.testing.assert_allclose(tone.sum(1), 1.0, rtol=1e-5)


def test_scores_do_not_depend_on_batch_composition(fitted):
    alone = fitted.predict_proba([TEXTS[3]])
    together = fitted.predict_proba([TEXTS[0], TEXTS[3], TEXTS[10] * 5])
    np.testing.assert_allclose(alone[0][0], together[0][1], atol=1e-5)
    np.testing.assert_allclose(alone[1][0], together[1][1], atol=1e-5)


def test_unfitted_model_refuses_to_predict(request, tmp_path):
    from classifier.errors import StanceError
    from classifier.models.tfidf import TfidfModel

    with pytest.raises(StanceError, match="not fitted"):
        TfidfModel().predict_proba(["x"])


def test_save_then_load_through_predictor_gives_the_same_scores(fitted, tmp_path):
    def write(directory):
        fitted.save(directory)
        meta = build_metadata(fitted.kind, model_config=fitted.config_dict(), thresholds={}, calibration=None)
        meta["onnx"] = {"file": "model.onnx"}
        write_json(directory / METADATA_FILE, meta)

    out = write_model_dir(tmp_path / "saved", write)
    loaded = Predictor.load(out)
    a, b = fitted.predict_proba(TEXTS), loaded.model.predict_proba(TEXTS)
    # the transformer is reloaded as its ONNX export: equal up to float rounding
    np.testing.assert_allclose(a[0], b[0], atol=1e-5)
    np.testing.assert_allclose(a[1], b[1], atol=1e-5)
