"""Choosing between the fp32 and int8 ONNX files of a trained transformer.

Static int8 quantisation (``quantize_int8``) makes inference about 1.9 times
faster on 2 CPU cores but shifts the scores a little. Each file therefore gets its own calibration
and thresholds, fitted on its own validation scores, and int8 becomes the
file ``stance classify`` runs when its validation stance macro-F1 (with its
own decisions) is within ``INT8_MAX_F1_DROP`` of fp32's. What matters is the
quality of the labels, not their identity with fp32's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier.corpus import Statement
from classifier.models.onnx_transformer import ONNX_FP32, ONNX_INT8, OnnxTransformerModel
from training.tuning import Decisions, fit_decisions

INT8_MAX_F1_DROP = 0.01


def variant_scores(directory: Path, name: str, model_config: dict, texts: list[str]):
    """Raw scores of one ONNX file of a model directory."""
    model = OnnxTransformerModel.load(directory, {"model_config": model_config, "onnx": {"file": name}})
    return model.predict_proba(texts)


def variant_decisions(directory: Path, names: tuple[str, ...], statements: list[Statement], model_config: dict):
    """Calibration, thresholds and metrics of each ONNX file, fitted on its own scores."""
    texts = [s.text for s in statements]
    return {name: fit_decisions(*variant_scores(directory, name, model_config, texts), statements) for name in names}


#: training statements whose activations set the int8 file's fixed scales
CALIBRATION_TEXTS = 400
_CALIBRATION_BATCH = 16


def calibration_sample(texts: list[str], seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [texts[i] for i in sorted(rng.choice(len(texts), min(CALIBRATION_TEXTS, len(texts)), replace=False))]


def quantize_int8(src: Path, dst: Path, calibration_texts: list[str], model_config: dict) -> None:
    """Static int8 quantisation of every MatMul, with activation ranges measured on ``calibration_texts``.

    Static, not dynamic: dynamic quantisation takes each activation's scale from the whole batch, so a
    statement's scores moved with whatever else was in its batch (up to 0.09 in probability; 7% of
    validation statements got another stance set alone than in a file). With fixed scales a statement's
    scores depend on it alone. Weights get one scale per output channel. MatMul outputs stay float
    (``OpTypesToExcludeOutputQuantization``): ONNX Runtime then runs each product as one
    ``MatMulIntegerToFloat`` instead of a quantised product followed by a dequantisation, which is
    faster and rounds once less. With float outputs every MatMul can be quantised, the
    down-projections and attention's products included, at no cost in validation macro-F1 (corpus v2.1: 0.657
    against fp32's 0.655 and 0.653 for the earlier file that kept those fp32, whose re-quantised
    outputs lost 0.02 when the down-projections were quantised too).
    """
    import logging

    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from classifier.models.windows import length_sorted_batches

    model = OnnxTransformerModel.load(src.parent, {"model_config": model_config, "onnx": {"file": src.name}})
    feeds = []
    for _, input_ids, mask in length_sorted_batches(model._windows(calibration_texts), _CALIBRATION_BATCH):
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in model.input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        feeds.append(feed)

    class Feeds(CalibrationDataReader):
        def __init__(self):
            self._next = iter(feeds)

        def get_next(self):
            return next(self._next, None)

    prepared = dst.with_name(dst.name + ".pre.onnx")
    # the quantiser logs a generic "consider pre-processing" warning on the root logger
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quant_pre_process(str(src), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(dst),
            Feeds(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            op_types_to_quantize=["MatMul"],
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"OpTypesToExcludeOutputQuantization": ["MatMul"]},
        )
    finally:
        root.setLevel(level)
        prepared.unlink(missing_ok=True)


def _summary(d: Decisions) -> dict:
    return {
        "stance_macro_f1": d.metrics["stance"]["macro_f1"],
        "tone_macro_f1": d.metrics["tone"]["macro_f1"],
        "calibration": d.calibration.to_dict(),
        "thresholds": d.thresholds,
    }


def choose_onnx_file(
    directory: Path,
    validation: list[Statement],
    model_config: dict,
    *,
    calibration_texts: list[str] | None = None,
    allow_int8: bool = True,
) -> tuple[str, Decisions, dict]:
    """Quantise, fit each file's decisions on validation, and pick the file to run.

    Returns the chosen file, its decisions, and the ``onnx`` block of
    ``model.json`` (both variants' figures and decisions, for the benchmark).
    """
    allow_int8 = allow_int8 and bool(calibration_texts)
    names = (ONNX_FP32, ONNX_INT8) if allow_int8 else (ONNX_FP32,)
    if allow_int8:
        quantize_int8(directory / ONNX_FP32, directory / ONNX_INT8, calibration_texts, model_config)
    decisions = variant_decisions(directory, names, validation, model_config)
    fp32 = decisions[ONNX_FP32].metrics["stance"]["macro_f1"]
    int8_passes = allow_int8 and decisions[ONNX_INT8].metrics["stance"]["macro_f1"] >= fp32 - INT8_MAX_F1_DROP
    chosen = ONNX_INT8 if int8_passes else ONNX_FP32
    block = {
        "file": chosen,
        "rule": f"int8 when its validation stance macro-F1 is within {INT8_MAX_F1_DROP} of fp32's",
        "tuned_on": decisions[ONNX_FP32].tuned_on,
        "variants": {name: _summary(d) for name, d in decisions.items()},
    }
    # the int8 file stays even when it is not chosen, so the benchmark can measure both
    return chosen, decisions[chosen], block


def requantize(directory: Path, data: Path, *, refit_source: Path | None = None) -> dict:
    """Rebuild a trained transformer's int8 file with this version's quantiser and refit what depends on it.

    For models saved before int8 became static. A train-only model gets its file choice and decisions
    fitted again on validation; a refitted one (``refit_source``, requantized first) takes its source's
    again, with the source's new validation scores. Returns the new ``model.json``.
    """
    from classifier.corpus import read_statements
    from classifier.modelfile import METADATA_FILE, model_digest, read_metadata, write_json, write_manifest
    from training.pipeline import split_for_training

    meta = read_metadata(directory)
    config = meta["model_config"]
    train, validation, _ = split_for_training(read_statements(data), config.get("seed", 13))
    if refit_source is None:
        texts = calibration_sample([s.text for s in train], config.get("seed", 13))
        _, chosen, meta["onnx"] = choose_onnx_file(directory, validation, config, calibration_texts=texts)
        meta.update(
            thresholds=chosen.thresholds, calibration=chosen.calibration.to_dict(), validation_metrics=chosen.metrics
        )
    else:
        from classifier.predictor import Predictor
        from training.refit import save_honest_scores

        source = read_metadata(refit_source)
        texts = calibration_sample([s.text for s in train + validation], config.get("seed", 13))
        quantize_int8(directory / ONNX_FP32, directory / ONNX_INT8, texts, config)
        for key in ("thresholds", "calibration", "validation_metrics", "onnx"):
            meta[key] = source[key]
        meta["training"]["refit_from"]["model_sha256"] = model_digest(refit_source)
        stance, tone = Predictor.load(refit_source).scores([s.text for s in validation])
        save_honest_scores(directory, stance, tone)
    write_json(directory / METADATA_FILE, meta)
    write_manifest(directory)
    return meta
