import json

import numpy as np
import pytest

from classifier.config import TfidfConfig
from classifier.errors import ModelFormatError
from classifier.modelfile import read_metadata
from classifier.models.tfidf import TfidfModel, make_analyzer
from classifier.normalise import Masker
from classifier.predictor import Predictor
from tests.conftest import MINI, heavy_modules_imported_by_classifying

TEXTS = [t for t, _, _ in MINI]


def test_analyzer_worked_example():
    analyze = make_analyzer(TfidfConfig(word_ngrams=(1, 2), char_ngrams=(3, 3)), Masker("officials"))
    assert analyze("Iran’s WAR") == ["iran", "war", "iran war", "# ir", "#ira", "#ran", "#an ", "# wa", "#war", "#ar "]


def test_fast_transform_equals_scikit_learn(tfidf_model_dir):
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = Predictor.load(tfidf_model_dir).model
    vec = TfidfVectorizer(
        analyzer=make_analyzer(model.config, model.masker_),
        sublinear_tf=True,
        vocabulary={f: i for i, f in enumerate(model.vocabulary_)},
    )
    vec.fit(TEXTS)
    vec.idf_ = model.idf_
    new = ["A brand new sentence about the Security Council and revenge.", "", "Iran Iran Iran"]
    ours, theirs = model.transform(TEXTS + new).toarray(), vec.transform(TEXTS + new).toarray()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    # the second pass reads every word's character n-grams from the cache the first one filled
    again = model.transform(new[::-1] + TEXTS).toarray()
    np.testing.assert_allclose(again, np.vstack([theirs[len(TEXTS) :][::-1], theirs[: len(TEXTS)]]), atol=1e-12)


def test_save_load_round_trip_gives_identical_scores(tfidf_model_dir, tmp_path):
    predictor = Predictor.load(tfidf_model_dir)
    again = Predictor.load(tfidf_model_dir)
    a, b = predictor.model.predict_proba(TEXTS), again.model.predict_proba(TEXTS)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape == (len(TEXTS), 8) and a[1].shape == (len(TEXTS), 5)
    np.testing.assert_allclose(a[1].sum(1), 1.0)


def test_learns_the_training_data(tfidf_model_dir):
    results = Predictor.load(tfidf_model_dir).classify(TEXTS)
    primary_hits = sum(r["stances"][0] in stances for r, (_, stances, _) in zip(results, MINI, strict=True))
    assert primary_hits / len(MINI) > 0.8


def test_model_json_records_what_the_issue_asks(tfidf_model_dir):
    meta = json.loads((tfidf_model_dir / "model.json").read_text())
    assert meta["format_version"] == 1 and meta["kind"] == "tfidf"
    assert meta["schema"]["stances"][0] == "retaliation_vow"
    assert set(meta["thresholds"]) == set(meta["schema"]["stances"])
    assert len(meta["training"]["data_sha256"]) == 64
    assert meta["model_config"]["word_ngrams"] == [1, 2]
    assert {"numpy", "scikit-learn"} <= set(meta["library_versions"])
    assert "macro_f1" in meta["validation_metrics"]["stance"] and meta["created_at"]
    assert read_metadata(tfidf_model_dir)["kind"] == "tfidf"


def test_wrong_array_shape_is_a_format_error(tfidf_model_dir, tmp_path):
    meta = json.loads((tfidf_model_dir / "model.json").read_text())
    (tmp_path / "tfidf_vocabulary.json").write_text('["a", "b"]')
    (tmp_path / "tfidf_weights.safetensors").write_bytes((tfidf_model_dir / "tfidf_weights.safetensors").read_bytes())
    with pytest.raises(ModelFormatError, match="array idf has shape"):
        TfidfModel.load(tmp_path, meta)


def test_classifying_with_tfidf_never_imports_torch_or_sklearn(tfidf_model_dir):
    assert heavy_modules_imported_by_classifying(tfidf_model_dir) == []


def test_book_length_text_is_scored_in_pieces_with_the_same_result(tfidf_model_dir, monkeypatch):
    import classifier.models.tfidf as tfidf

    model = Predictor.load(tfidf_model_dir).model
    book = " ".join(TEXTS * 40)  # about 50,000 characters
    whole = model.transform([book]).toarray()
    assert list(tfidf._pieces(book)) != [book]
    monkeypatch.setattr(tfidf, "PIECE_CHARS", 10**9)
    unsplit = model.transform([book]).toarray()
    np.testing.assert_allclose(whole, unsplit, atol=2e-3)  # only the bigrams at each cut differ
    assert "".join(tfidf._pieces(book)) == book


def test_refitting_the_same_model_forgets_the_old_vocabularys_cached_columns():
    from classifier.decision import stances_to_matrix, tones_to_indices

    def fit(model, rows):
        return model.fit(
            [t for t, _, _ in rows],
            stances_to_matrix([s for _, s, _ in rows]),
            tones_to_indices([t for _, _, t in rows]),
        )

    first, second = MINI[: len(MINI) // 2], MINI[len(MINI) // 2 :]
    model = fit(TfidfModel(), first)
    model.transform(TEXTS)  # fills the cache with the first vocabulary's columns
    fit(model, second)
    fresh = fit(TfidfModel(), second)
    np.testing.assert_allclose(model.transform(TEXTS).toarray(), fresh.transform(TEXTS).toarray(), atol=1e-12)
