import json
import shutil

import pytest

from classifier.errors import ModelExistsError, ModelFormatError
from classifier.modelfile import read_metadata, write_model_dir
from classifier.predictor import Predictor
from training.pipeline import train_model


@pytest.fixture
def model_copy(tfidf_model_dir, tmp_path):
    return shutil.copytree(tfidf_model_dir, tmp_path / "copy")


def _edit_metadata(directory, **changes):
    path = directory / "model.json"
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def test_tampered_weights_are_refused(model_copy):
    weights = model_copy / "tfidf_weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])
    with pytest.raises(ModelFormatError, match="sha256 does not match the manifest"):
        Predictor.load(model_copy)


def test_missing_file_and_missing_manifest_are_refused(model_copy):
    (model_copy / "tfidf_vocabulary.json").unlink()
    with pytest.raises(ModelFormatError, match=r"tfidf_vocabulary\.json listed in the manifest is missing"):
        Predictor.load(model_copy)
    (model_copy / "manifest.json").unlink()
    with pytest.raises(ModelFormatError, match=r"no manifest\.json"):
        Predictor.load(model_copy)


def test_other_format_version_says_what_to_do(model_copy):
    _edit_metadata(model_copy, format_version=99)
    with pytest.raises(ModelFormatError, match=r"format version 99.*reads format 1\. Retrain"):
        read_metadata(model_copy, verify=False)


def test_other_label_schema_says_which_and_what_to_do(model_copy):
    _edit_metadata(model_copy, schema={"schema_version": 0, "stances": ["threat"], "tones": ["angry"]})
    with pytest.raises(
        ModelFormatError,
        match=r"schema version 0 \(differs in: schema_version, stances, tones\).*"
        r"Retrain the model",
    ):
        read_metadata(model_copy, verify=False)


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ModelFormatError, match="no such model directory"):
        read_metadata(tmp_path / "nothing")
    with pytest.raises(ModelFormatError, match=r"not a model directory \(no model.json\)"):
        read_metadata(tmp_path)


def test_existing_model_needs_force_and_interrupted_write_keeps_old(model_copy, mini_corpus):
    with pytest.raises(ModelExistsError, match="--force"):
        train_model("tfidf", mini_corpus, model_copy)
    before = sorted(p.name for p in model_copy.iterdir())

    def crash(directory):
        (directory / "half.bin").write_bytes(b"x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_model_dir(model_copy, crash, force=True)
    assert sorted(p.name for p in model_copy.iterdir()) == before
    assert [p.name for p in model_copy.parent.iterdir() if p.name.startswith(".")] == []
    Predictor.load(model_copy)  # still intact


def test_only_the_main_process_writes_the_model(tmp_path, mini_corpus, monkeypatch):
    monkeypatch.setenv("RANK", "1")  # a second process under `accelerate launch`
    result = train_model("tfidf", mini_corpus, tmp_path / "m")
    assert result.path == tmp_path / "m" and not result.path.exists()
    monkeypatch.setenv("RANK", "0")
    assert (train_model("tfidf", mini_corpus, tmp_path / "m").path / "model.json").is_file()
