"""Training an ensemble from trained member models.

The weights, the ensemble's calibration and its thresholds are fitted on the
members' honest validation scores: straight from a member trained on the
training split (the transformer), or out-of-fold for a member that was also
trained on validation (TF-IDF, recomputed here with its saved settings, so
the scores are exactly those its own decisions were fitted on). Members are
copied into the ensemble directory, so it is one self-contained model.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np

from classifier.calibration import bce
from classifier.config import TfidfConfig
from classifier.corpus import Statement, file_sha256, read_statements
from classifier.errors import ConfigError
from classifier.modelfile import (
    METADATA_FILE,
    build_metadata,
    ensure_writable,
    read_metadata,
    write_json,
    write_model_dir,
)
from classifier.models.ensemble import MEMBERS_DIR, combine
from classifier.predictor import Predictor
from training.crossfit import out_of_fold_scores
from training.pipeline import TrainResult, split_for_training
from training.tuning import domain_index, fit_decisions, gold_arrays, off_topic_note, realistic_rows

WEIGHT_STEP = 0.05
_EPS = 1e-6


def _member_meta(directory: Path, data_sha: str) -> dict:
    meta = read_metadata(directory)
    if meta.get("kind") == "ensemble":
        raise ConfigError(f"{directory}: an ensemble cannot be a member of another ensemble")
    trained_on = (meta.get("training") or {}).get("data_sha256")
    if trained_on != data_sha:
        raise ConfigError(
            f"{directory}: this member was trained on another data file (sha256 {str(trained_on)[:12]}...); "
            "train every member on the data the ensemble is trained on"
        )
    return meta


def honest_validation_scores(
    directory: Path, meta: dict, train: list[Statement], validation: list[Statement]
) -> tuple[np.ndarray, np.ndarray]:
    """A member's calibrated scores on validation, from a model that did not learn those statements."""
    predictor = Predictor.load(directory)
    fit_on = (meta.get("training") or {}).get("fit_on", "train")
    if fit_on == "train":
        return predictor.scores([s.text for s in validation])
    if meta["kind"] == "transformer" and fit_on == "train+validation":
        from training.refit import honest_refit_scores

        return honest_refit_scores(directory, meta, validation)
    if meta["kind"] != "tfidf":
        raise ConfigError(f"{directory}: a {meta['kind']} member trained on validation has no honest validation scores")
    from classifier.models.tfidf import TfidfModel

    config = TfidfConfig.from_dict(meta["model_config"])
    stance, tone = out_of_fold_scores(lambda: TfidfModel(config), train + validation, seed=config.seed)
    return predictor.calibration.apply(stance[len(train) :], tone[len(train) :])


def simplex(n: int, step: float):
    ticks = np.round(np.arange(0, 1 + 1e-9, step), 4)
    for combo in itertools.product(ticks, repeat=n - 1):
        if sum(combo) <= 1 + 1e-9:
            yield (*combo, round(1 - sum(combo), 4))


def fit_weights(stances, tones, gold_stance, gold_tone, *, step: float = WEIGHT_STEP):
    """Member weights (on the simplex) minimising validation log-loss, separately for stance and tone."""
    rows = np.arange(len(gold_tone))
    best_s = best_t = None
    for w in simplex(len(stances), step):
        s, t = combine(stances, tones, w, w)
        stance_loss = bce(s, gold_stance)
        nll = -np.mean(np.log(np.clip(t[rows, gold_tone], _EPS, 1.0)))
        if best_s is None or stance_loss < best_s[0] - 1e-12:
            best_s = (stance_loss, w)
        if best_t is None or nll < best_t[0] - 1e-12:
            best_t = (nll, w)
    return best_s[1], best_t[1]


def member_names(metas: list[dict]) -> list[str]:
    names, seen = [], {}
    for meta in metas:
        kind = meta["kind"]
        seen[kind] = seen.get(kind, 0) + 1
        names.append(kind if seen[kind] == 1 else f"{kind}-{seen[kind]}")
    return names


def train_ensemble(
    member_dirs: list[str | Path], data: str | Path, out: str | Path, *, force: bool = False
) -> TrainResult:
    """Combine trained models into one ensemble directory at ``out``."""
    data, out = Path(data), Path(out)
    ensure_writable(out, force)
    if len(member_dirs) < 2:
        raise ConfigError("an ensemble needs at least two member models (--members DIR DIR ...)")
    member_dirs = [Path(d) for d in member_dirs]
    data_sha = file_sha256(data)
    metas = [_member_meta(d, data_sha) for d in member_dirs]
    seeds = {m["model_config"].get("seed", 13) for m in metas}
    statements = read_statements(data)
    train, validation, split_note = split_for_training(statements, min(seeds))
    scores = [honest_validation_scores(d, m, train, validation) for d, m in zip(member_dirs, metas, strict=True)]

    rows = realistic_rows(validation)[0]
    gold_stance, gold_tone = gold_arrays([validation[i] for i in rows])
    stance_w, tone_w = fit_weights([s[rows] for s, _ in scores], [t[rows] for _, t in scores], gold_stance, gold_tone)
    raw = combine([s for s, _ in scores], [t for _, t in scores], stance_w, tone_w)
    decisions = fit_decisions(*raw, validation)
    names = member_names(metas)
    metadata = build_metadata(
        "ensemble",
        model_config={"members": names},
        ensemble={
            "members": [
                {"name": n, "kind": m["kind"], "stance_weight": float(ws), "tone_weight": float(wt)}
                for n, m, ws, wt in zip(names, metas, stance_w, tone_w, strict=True)
            ],
            "weights_fitted_on": f"{len(rows)} validation statements (log-loss, simplex step {WEIGHT_STEP})",
        },
        thresholds=decisions.thresholds,
        calibration=decisions.calibration.to_dict(),
        training={
            "data": str(data),
            "data_sha256": data_sha,
            "n_train": len(train),
            "n_validation": len(validation),
            "split": split_note,
            "fit_on": "members: see members/*/model.json",
            "decisions_tuned_on": decisions.tuned_on + " (validation)",
            "member_validation_metrics": {n: m.get("validation_metrics") for n, m in zip(names, metas, strict=True)},
        },
        validation_metrics=decisions.metrics,
    )

    domain = domain_index(train, validation)
    metadata["off_topic"] = off_topic_note(domain)

    def write(directory: Path) -> None:
        for name, source in zip(names, member_dirs, strict=True):
            shutil.copytree(source, directory / MEMBERS_DIR / name)
        if domain is not None:
            domain.save(directory)
        write_json(directory / METADATA_FILE, metadata)
        from classifier.model_card import write_model_card

        write_model_card(directory, metadata)

    write_model_dir(out, write, force=force)
    return TrainResult(out, len(train), len(validation), decisions.metrics, decisions.thresholds)
