"""The training recipe shared by both models.

validate data -> fit on train -> calibrate on validation -> tune thresholds on
the calibrated validation scores -> write the model directory atomically.
The model-specific part is only ``model.fit`` and ``model.save``.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

from classifier.calibration import fit_calibration
from classifier.config import TfidfConfig, TransformerConfig
from classifier.corpus import Statement, file_sha256, read_statements, select_split
from classifier.decision import decide_all, stances_to_matrix, thresholds_vector, tones_to_indices
from classifier.errors import DataError
from classifier.modelfile import METADATA_FILE, build_metadata, ensure_writable, write_json, write_model_dir
from classifier.models.base import TrainableModel
from evaluation.metrics import summarise
from training.thresholds import tune_thresholds

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
    raise ValueError(f"unknown model kind {kind!r}")


def fit_and_tune(model: TrainableModel, train: list[Statement], validation: list[Statement]):
    """Fit, then calibrate and pick thresholds on validation; returns (calibration, thresholds, metrics)."""
    y_stance, y_tone = stances_to_matrix([s.stances for s in train]), tones_to_indices([s.tone for s in train])
    v_texts = [s.text for s in validation]
    v_stance, v_tone = (
        stances_to_matrix([s.stances for s in validation]),
        tones_to_indices([s.tone for s in validation]),
    )
    model.fit([s.text for s in train], y_stance, y_tone, validation=(v_texts, v_stance, v_tone))
    raw_stance, raw_tone = model.predict_proba(v_texts)
    calibration = fit_calibration(raw_stance, v_stance, raw_tone, v_tone)
    stance_scores, tone_scores = calibration.apply(raw_stance, raw_tone)
    thresholds = tune_thresholds(stance_scores, v_stance)
    labels, tones = decide_all(stance_scores, tone_scores, thresholds_vector(thresholds))
    metrics = summarise(v_stance, stances_to_matrix(labels), stance_scores, v_tone, tones_to_indices(tones))
    return calibration, thresholds, metrics


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
    calibration, thresholds, metrics = fit_and_tune(model, train, validation)
    metadata = build_metadata(
        kind,
        model_config=model.config_dict(),
        thresholds=thresholds,
        calibration=calibration.to_dict(),
        training={
            "data": str(data),
            "data_sha256": file_sha256(data),
            "n_train": len(train),
            "n_validation": len(validation),
            "split": split_note,
        },
        validation_metrics=metrics,
    )

    def write(directory: Path) -> None:
        model.save(directory)
        if kind == "transformer":
            from training.onnx_variant import choose_onnx_file

            metadata["training"]["windows_over_max_length"] = model.n_truncated_
            metadata["training"]["history"] = model.history_
            metadata["onnx"] = choose_onnx_file(
                directory, validation, calibration, thresholds, model.config_dict(), allow_int8=model.config.quantize
            )
        write_json(directory / METADATA_FILE, metadata)
        model.write_card(directory, metadata)

    if is_main_process():
        write_model_dir(out, write, force=force)
    return TrainResult(out, len(train), len(validation), metrics, thresholds)


def is_main_process() -> bool:
    """False in the extra processes of ``accelerate launch``: only rank 0 writes the model directory."""
    return int(os.environ.get("RANK", "0")) == 0
