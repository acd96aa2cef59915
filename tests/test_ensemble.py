"""The ensemble model kind: trained from members, one directory, one manifest, every command."""

import json

import numpy as np
import pytest

from classifier.config import TfidfConfig
from classifier.errors import ConfigError, ModelFormatError
from classifier.models.ensemble import combine
from classifier.predictor import Predictor, batch_size_hint
from tests.conftest import MINI
from training.ensemble import fit_weights, train_ensemble
from training.pipeline import train_model

TEXTS = [t for t, _, _ in MINI]


@pytest.fixture(scope="module")
def members(tmp_path_factory, mini_corpus):
    root = tmp_path_factory.mktemp("members")
    a = train_model("tfidf", mini_corpus, root / "a").path
    b = train_model("tfidf", mini_corpus, root / "b", config=TfidfConfig(stance_c=0.5, char_ngrams=(3, 4))).path
    return a, b


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory, mini_corpus, members):
    return train_ensemble(list(members), mini_corpus, tmp_path_factory.mktemp("ens") / "ensemble").path


def test_combine_with_one_member_at_full_weight_returns_that_member():
    rng = np.random.default_rng(0)
    s1, s2 = rng.uniform(0.05, 0.95, (4, 8)), rng.uniform(0.05, 0.95, (4, 8))
    t1, t2 = rng.dirichlet(np.ones(5), 4), rng.dirichlet(np.ones(5), 4)
    stance, tone = combine([s1, s2], [t1, t2], (1.0, 0.0), (0.0, 1.0))
    np.testing.assert_allclose(stance, s1, atol=1e-9)
    np.testing.assert_allclose(tone, t2, atol=1e-9)
    halfway, _ = combine([s1, s2], [t1, t2], (0.5, 0.5), (0.5, 0.5))
    assert ((halfway >= np.minimum(s1, s2) - 1e-9) & (halfway <= np.maximum(s1, s2) + 1e-9)).all()


def test_weights_prefer_the_member_that_is_right():
    rng = np.random.default_rng(1)
    gold = (rng.uniform(size=(300, 8)) < 0.3).astype(int)
    tone_gold = rng.integers(0, 5, 300)
    good = np.clip(gold * 0.8 + 0.1 + rng.normal(0, 0.05, gold.shape), 0.01, 0.99)
    noise = rng.uniform(0.05, 0.95, gold.shape)
    good_t = np.full((300, 5), 0.05)
    good_t[np.arange(300), tone_gold] = 0.8
    stance_w, tone_w = fit_weights([noise, good], [np.full((300, 5), 0.2), good_t], gold, tone_gold)
    assert stance_w[1] > 0.8 and tone_w[1] > 0.8
    assert abs(sum(stance_w) - 1) < 1e-9 and abs(sum(tone_w) - 1) < 1e-9


def test_ensemble_directory_holds_members_and_one_manifest_over_everything(ensemble):
    meta = json.loads((ensemble / "model.json").read_text())
    assert meta["kind"] == "ensemble"
    names = [m["name"] for m in meta["ensemble"]["members"]]
    assert names == ["tfidf", "tfidf-2"]
    assert abs(sum(m["stance_weight"] for m in meta["ensemble"]["members"]) - 1) < 1e-9
    manifest = json.loads((ensemble / "manifest.json").read_text())["files"]
    assert "members/tfidf/tfidf_weights.safetensors" in manifest and "members/tfidf-2/model.json" in manifest
    assert set(meta["thresholds"]) >= {"retaliation_vow", "neutral"}


def test_ensemble_scores_are_those_of_its_combined_members(ensemble, members):
    predictor = Predictor.load(ensemble)
    meta = predictor.metadata["ensemble"]["members"]
    parts = [Predictor.load(m).scores(TEXTS) for m in members]
    raw = combine(
        [p[0] for p in parts],
        [p[1] for p in parts],
        [m["stance_weight"] for m in meta],
        [m["tone_weight"] for m in meta],
    )
    expected = predictor.calibration.apply(*raw)
    got = predictor.scores(TEXTS)
    np.testing.assert_allclose(got[0], expected[0], atol=1e-9)
    np.testing.assert_allclose(got[1], expected[1], atol=1e-9)
    (result,) = predictor.classify(["We condemn the attack and call on the Security Council to act."])
    assert result["stances"] and result["tone"]


def test_a_changed_member_file_is_refused(ensemble, tmp_path):
    import shutil

    copy = tmp_path / "ens"
    shutil.copytree(ensemble, copy)
    weights = copy / "members" / "tfidf" / "tfidf_weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8])
    with pytest.raises(ModelFormatError, match="sha256 does not match"):
        Predictor.load(copy)


def test_members_must_come_from_the_same_data_and_be_two_or_more(members, mini_corpus, tmp_path):
    other = tmp_path / "other.jsonl"
    other.write_text(mini_corpus.read_text() + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="trained on another data file"):
        train_ensemble(list(members), other, tmp_path / "e1")
    with pytest.raises(ConfigError, match="at least two member models"):
        train_ensemble([members[0]], mini_corpus, tmp_path / "e2")


def test_classify_picks_the_ensemble_when_it_scores_best(ensemble, tmp_path, monkeypatch):
    import shutil

    from classifier.selection import best_model_dir

    models = tmp_path / "models"
    monkeypatch.setenv("STANCE_MODELS_DIR", str(models))
    shutil.copytree(ensemble, models / "ensemble")
    member = models / "ensemble" / "members" / "tfidf"
    shutil.copytree(member, models / "tfidf")
    meta = json.loads((models / "ensemble" / "model.json").read_text())
    member_meta = json.loads((models / "tfidf" / "model.json").read_text())
    ours = meta["validation_metrics"]["stance"]["macro_f1"] + meta["validation_metrics"]["tone"]["macro_f1"]
    theirs = (
        member_meta["validation_metrics"]["stance"]["macro_f1"] + member_meta["validation_metrics"]["tone"]["macro_f1"]
    )
    assert best_model_dir() == (models / "ensemble" if ours >= theirs else models / "tfidf")


def test_ensemble_trains_and_classifies_from_the_cli(members, mini_corpus, tmp_path):
    from click.testing import CliRunner

    from classifier.cli import cli

    out = tmp_path / "e"
    args = ["train", "--model", "ensemble", "--data", str(mini_corpus), "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--members", str(members[0]), "--members", str(members[1])])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["classify", "--model", str(out), "--format", "json", "We mourn the martyrs."])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["stances"]
    bad = CliRunner().invoke(cli, [*args, "--force", "--members", str(members[0]), "--epochs", "3"])
    assert bad.exit_code == 2 and "do not apply to --model ensemble" in bad.output


def test_the_batch_size_hint_comes_from_the_metadata_alone(ensemble, tmp_path):
    import shutil

    assert batch_size_hint(ensemble) == Predictor.load(ensemble).model.batch_size_hint
    mixed = tmp_path / "mixed"
    shutil.copytree(ensemble, mixed)
    member = mixed / "members" / "tfidf-2" / "model.json"
    member.write_text(json.dumps({**json.loads(member.read_text()), "kind": "transformer"}))
    assert batch_size_hint(mixed) == 1024  # the largest member's, read without loading any of them
