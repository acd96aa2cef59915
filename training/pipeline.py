"""The training recipes.

Cheap models (TF-IDF): out-of-fold scores over train + validation -> calibration
and thresholds on their real-derived rows -> fit the shipped model on train +
validation. Costly models (the transformer): fit on train, early stopping on
the real-derived validation rows -> calibration and thresholds on those rows
(per ONNX file, see ``training.onnx_variant``). Either way the model directory
is written atomically, and ``validation_metrics`` is measured on the
real-derived validation rows, so models are compared on the same statements.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from classifier.config import TfidfConfig, TransformerConfig
from classifier.corpus import Statement, file_sha256, read_statements, select_split
from classifier.errors import ConfigError, DataError
from classifier.modelfile import METADATA_FILE, build_metadata, ensure_writable, write_json, write_model_dir
from classifier.models import MODEL_KINDS
from classifier.models.base import TrainableModel
from training.crossfit import out_of_fold_scores
from training.tuning import Decisions, domain_index, fit_decisions, gold_arrays, off_topic_note, realistic_rows

VALIDATION_FRACTION = 0.15
MIN_TRAIN = 8


@dataclass(frozen=True)
class TrainResult:
    path: Path
    n_train: int
    n_validation: int
    validation_metrics: dict
    thresholds: dict[str, float]


def split_for_training(statements: list[Statement], seed: int) -> tuple[list[Statement], list[Statement], str]:
    """Train and validation rows: the file's own splits, or a seeded carve-out when it has none."""
    train, validation = select_split(statements, "train"), select_split(statements, "validation")
    if train and validation:
        return train, validation, "file splits"
    pool = [s for s in statements if s.split in (None, "", "train", "validation")]
    if len(pool) < MIN_TRAIN + 2:
        raise DataError(f"need at least {MIN_TRAIN + 2} statements outside the test split to train, found {len(pool)}")
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    n_val = max(2, round(len(pool) * VALIDATION_FRACTION))
    val_idx = set(order[:n_val])
    return (
        [s for i, s in enumerate(pool) if i not in val_idx],
        [s for i, s in enumerate(pool) if i in val_idx],
        f"no validation split in the file: {n_val} statements held out at random (seed {seed})",
    )


def build_model(
    kind: str, config: TfidfConfig | TransformerConfig | None, *, progress: bool = False, **options
) -> TrainableModel:
    if kind == "tfidf":
        from classifier.models.tfidf import TfidfModel

        return TfidfModel(config if isinstance(config, TfidfConfig) else TfidfConfig())
    if kind == "transformer":
        from training.transformer_model import TransformerModel

        config = config if isinstance(config, TransformerConfig) else TransformerConfig()
        return TransformerModel(config, progress=progress, **options)
    if kind in MODEL_KINDS:
        raise ConfigError(f"{kind!r} models are combined from trained members: use training.ensemble.train_ensemble")
    raise ConfigError(f"unknown model kind {kind!r}; known kinds: {', '.join(MODEL_KINDS)}")


@dataclass(frozen=True)
class Fitted:
    """A fitted model, the statements it learned from, and how its decisions were tuned."""

    model: TrainableModel
    decisions: Decisions
    fit_on: str
    selection_metrics: dict  # on the realistic validation rows: the figure models are compared by


def fit_cross_fitted(
    make_model: Callable[[], TrainableModel], train: list[Statement], validation: list[Statement], seed: int
) -> Fitted:
    """Cheap models: decisions from out-of-fold scores over train + validation, then fit on all of it."""
    pool = train + validation
    stance, tone = out_of_fold_scores(make_model, pool, seed=seed)
    decisions = fit_decisions(stance, tone, pool)
    selection = decisions.metrics_on(pool, len(train) + realistic_rows(validation)[0])
    model = make_model().fit([s.text for s in pool], *gold_arrays(pool))
    return Fitted(model, decisions, "train+validation", selection)


def fit_on_train(model: TrainableModel, train: list[Statement], validation: list[Statement]) -> Fitted:
    """Costly models: fit on train (early stopping on the realistic validation rows), tune on validation."""
    rows = realistic_rows(validation)[0]
    watched = [validation[i] for i in rows]
    model.fit(
        [s.text for s in train], *gold_arrays(train), validation=([s.text for s in watched], *gold_arrays(watched))
    )
    decisions = fit_decisions(*model.predict_proba([s.text for s in validation]), validation)
    return Fitted(model, decisions, "train", decisions.metrics)


def train_model(
    kind: str, data: str | Path, out: str | Path, *, config=None, force: bool = False, progress: bool = False, **options
) -> TrainResult:
    """Train a model of ``kind`` on a labelled JSONL file and write it to ``out``.

    ``options`` go to the model's constructor (the transformer takes
    ``base_model_path`` so tests can train a tiny model built on the spot).
    """
    data = Path(data)
    out = Path(out)
    ensure_writable(out, force)
    statements = read_statements(data)
    model = build_model(kind, config, progress=progress, **options)
    seed = getattr(model.config, "seed", 13)
    train, validation, split_note = split_for_training(statements, seed)
    if kind == "tfidf":
        fitted = fit_cross_fitted(lambda: build_model(kind, model.config), train, validation, seed)
    else:
        fitted = fit_on_train(model, train, validation)
    decisions = fitted.decisions
    metadata = build_metadata(
        kind,
        model_config=fitted.model.config_dict(),
        thresholds=decisions.thresholds,
        calibration=decisions.calibration.to_dict(),
        training={
            "data": str(data),
            "data_sha256": file_sha256(data),
            "n_train": len(train),
            "n_validation": len(validation),
            "split": split_note,
            "fit_on": fitted.fit_on,
            "decisions_tuned_on": decisions.tuned_on
            + (" (out-of-fold, train + validation)" if fitted.fit_on != "train" else " (validation)"),
        },
        validation_metrics=fitted.selection_metrics,
    )

    domain = domain_index(train, validation)
    metadata["off_topic"] = off_topic_note(domain)

    def write(directory: Path) -> None:
        fitted.model.save(directory)
        fitted.model.finish_save(directory, validation, metadata)
        if domain is not None:
            domain.save(directory)
        write_json(directory / METADATA_FILE, metadata)
        fitted.model.write_card(directory, metadata)

    if is_main_process():
        write_model_dir(out, write, force=force)
    return TrainResult(out, len(train), len(validation), metadata["validation_metrics"], metadata["thresholds"])


def is_main_process() -> bool:
    """False in the extra processes of ``accelerate launch``: only rank 0 writes the model directory."""
    return int(os.environ.get("RANK", "0")) == 0
