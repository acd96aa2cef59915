"""Refit a transformer on train + validation with the settings, epochs and decisions chosen on validation.

A transformer is too costly to cross-fit, so its decisions (calibration,
thresholds, the ONNX variant) can only be tuned on validation by a model that
never saw it. Refitting keeps that model's choices and trains the same recipe
again on both splits, for the number of epochs that scored best on
validation, so the shipped weights learn from every labelled statement
outside test. The train-only model's calibrated validation scores travel
with the refit model (``validation_scores.safetensors``), so an ensemble that
takes it as a member still fits its weights on honest scores.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import numpy as np

from classifier.config import TransformerConfig
from classifier.corpus import file_sha256, read_statements
from classifier.errors import ConfigError, ModelFormatError
from classifier.modelfile import METADATA_FILE, model_digest, read_metadata, write_json, write_model_dir
from classifier.predictor import Predictor
from training.pipeline import TrainResult, build_model, is_main_process, split_for_training
from training.tuning import gold_arrays

VALIDATION_SCORES = "validation_scores.safetensors"
_DOMAIN_FILES = ("domain.safetensors", "domain_words.json")


def ids_digest(statements) -> str:
    return hashlib.sha256("\n".join(s.id for s in statements).encode("utf-8")).hexdigest()


def best_epochs(meta: dict) -> float:
    """The epoch whose validation stance macro-F1 was best (the checkpoint the train-only model kept)."""
    history = (meta.get("training") or {}).get("history") or []
    scored = [(h["eval_stance_macro_f1"], h["epoch"]) for h in history if "eval_stance_macro_f1" in h]
    if not scored:
        return float(meta["model_config"]["epochs"])
    best = max(scored)[0]
    return float(min(epoch for score, epoch in scored if score == best))


def refit_transformer(
    source: str | Path, data: str | Path, out: str | Path, *, force: bool = False, progress: bool = False, **options
) -> TrainResult:
    """Train ``source``'s recipe on train + validation of ``data`` and write it to ``out`` with ``source``'s
    decisions. ``options`` go to the model's constructor (tests pass a tiny ``base_model_path``)."""
    source, data, out = Path(source), Path(data), Path(out)
    meta = read_metadata(source)
    training = meta.get("training") or {}
    if meta.get("kind") != "transformer":
        raise ConfigError(f"{source}: only a transformer is refitted (TF-IDF already fits on train + validation)")
    if training.get("fit_on") != "train":
        raise ConfigError(f"{source}: refit from a model trained on the training split only")
    if training.get("data_sha256") != file_sha256(data):
        raise ConfigError(f"{source}: trained on another data file than {data}; refit on the data it was tuned on")
    statements = read_statements(data)
    config = TransformerConfig.from_dict(meta["model_config"])
    train, validation, split_note = split_for_training(statements, config.seed)
    epochs = best_epochs(meta)
    model = build_model("transformer", config.with_overrides(epochs=epochs), progress=progress, **options)
    both = train + validation
    model.fit([s.text for s in both], *gold_arrays(both))
    honest = Predictor.load(source).scores([s.text for s in validation])
    metadata = _refit_metadata(meta, source, data, train, validation, split_note, epochs)
    onnx_file = (meta.get("onnx") or {}).get("file", "model.onnx")

    def write(directory: Path) -> None:
        from training.onnx_variant import quantize_int8

        model.save(directory)
        if onnx_file != "model.onnx":
            fp32, texts = directory / "model.onnx", model.calibration_texts_
            quantize_int8(fp32, directory / onnx_file, texts, model.config_dict())
        for name in _DOMAIN_FILES:  # the off-topic check as tuned for the source, on the same validation rows
            if (source / name).is_file():
                shutil.copy2(source / name, directory / name)
        save_honest_scores(directory, *honest)
        write_json(directory / METADATA_FILE, metadata)
        model.write_card(directory, metadata)

    if is_main_process():
        write_model_dir(out, write, force=force)
    return TrainResult(out, len(both), len(validation), metadata["validation_metrics"], metadata["thresholds"])


def save_honest_scores(directory: Path, stance: np.ndarray, tone: np.ndarray) -> None:
    """The train-only model's calibrated validation scores, beside the refit model that cannot have them."""
    from safetensors.numpy import save_file

    save_file(
        {"stance": np.ascontiguousarray(stance), "tone": np.ascontiguousarray(tone)}, str(directory / VALIDATION_SCORES)
    )


def _refit_metadata(meta, source, data, train, validation, split_note, epochs) -> dict:
    metadata = copy.deepcopy(meta)
    metadata["model_config"]["epochs"] = epochs
    metadata["training"].update(
        data=str(data),
        n_train=len(train) + len(validation),
        n_validation=len(validation),
        split=split_note,
        fit_on="train+validation",
        decisions_tuned_on=f"{meta['training'].get('decisions_tuned_on', 'validation')}, by the train-only model",
        refit_from={"path": str(source), "model_sha256": model_digest(source), "epochs": epochs},
        honest_validation={"file": VALIDATION_SCORES, "ids_sha256": ids_digest(validation)},
    )
    metadata["training"].pop("history", None)
    metadata["validation_metrics_note"] = "of the train-only model these decisions were tuned with"
    return metadata


def honest_refit_scores(directory: Path, meta: dict, validation) -> tuple[np.ndarray, np.ndarray]:
    """The train-only model's calibrated validation scores stored with a refit model, checked against ``validation``."""
    from safetensors.numpy import load_file

    note = (meta.get("training") or {}).get("honest_validation") or {}
    path = directory / note.get("file", VALIDATION_SCORES)
    if not path.is_file() or note.get("ids_sha256") != ids_digest(validation):
        raise ModelFormatError(
            f"{directory}: refitted on train + validation, and its stored validation scores are missing or belong to "
            "other validation statements; combine the train-only model instead"
        )
    scores = load_file(str(path))
    return scores["stance"], scores["tone"]
