"""The Python API: load, classify into result objects, classify a DataFrame; no heavy imports."""

import json
import subprocess
import sys

import pytest

import classifier
from classifier.api import Result
from classifier.schema import STANCES, TONES


def test_load_by_path_and_classify_into_results(tfidf_model_dir):
    model = classifier.load(tfidf_model_dir)
    assert model.kind == "tfidf"
    first, empty = model.classify(["We condemn the attack on the consulate.", "  "])
    assert first.stances and first.primary_stance == first.stances[0] and first.tone in TONES
    assert list(first.stance_scores) == list(STANCES) and abs(sum(first.tone_scores.values()) - 1) < 1e-3
    assert empty.error and empty.stances == ()
    again = model.predictor.classify(["We condemn the attack on the consulate."])[0]
    assert first.to_dict() == {**again, "id": first.id}
    assert Result.from_dict(first.to_dict()) == first


def test_load_by_kind_uses_the_models_directory_and_never_trains(tfidf_model_dir, tmp_path, monkeypatch):
    import shutil

    from classifier.errors import NoModelError

    models = tmp_path / "models"
    monkeypatch.setenv("STANCE_MODELS_DIR", str(models))
    with pytest.raises(NoModelError, match="stance setup"):
        classifier.load()
    assert not models.exists() or not any(models.iterdir())
    shutil.copytree(tfidf_model_dir, models / "tfidf")
    assert classifier.load("tfidf").path == models / "tfidf"
    assert classifier.load().path == models / "tfidf"


def test_classify_frame_keeps_the_input_columns_and_adds_results(tfidf_model_dir):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"id": [7, 8, 9], "text": ["Our hearts are with Gaza.", None, "Talks were held in Muscat."], "tone": "x"}
    )
    out = classifier.load(tfidf_model_dir).classify_frame(frame)
    assert list(out.columns[:3]) == ["id", "text", "tone"] and "result_tone" in out.columns
    assert out["primary_stance"].iloc[0] and out["error"].iloc[1].startswith("'text' is not a string")
    assert out[[f"score_{s}" for s in STANCES]].iloc[0].between(0, 1).all()
    assert out.index.tolist() == frame.index.tolist()


def test_classifying_through_the_api_imports_neither_torch_nor_sklearn(tfidf_model_dir):
    code = (
        "import json, sys, classifier; "
        f"classifier.load({str(tfidf_model_dir)!r}).classify(['We condemn this.']); "
        "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_train_returns_data(mini_corpus, tmp_path):
    result = classifier.train("tfidf", mini_corpus, tmp_path / "m")
    assert result.path == tmp_path / "m" and 0 <= result.validation_metrics["stance"]["macro_f1"] <= 1
