"""Choosing between the fp32 and int8 ONNX files of a trained transformer.

Dynamic int8 quantisation makes inference two to three times faster on a CPU
but shifts the scores a little. Each file therefore gets its own calibration
and thresholds, fitted on its own validation scores, and int8 becomes the
file ``stance classify`` runs when its validation stance macro-F1 (with its
own decisions) is within ``INT8_MAX_F1_DROP`` of fp32's. What matters is the
quality of the labels, not their identity with fp32's.
"""

from __future__ import annotations

from pathlib import Path

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


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation with one scale per output channel.

    Per-channel scales keep MiniLM's stance F1 close to fp32 on our validation
    split; one scale per tensor cost 0.03 macro-F1.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    # the quantiser logs a generic "consider pre-processing" warning on the root logger
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def _summary(d: Decisions) -> dict:
    return {
        "stance_macro_f1": d.metrics["stance"]["macro_f1"],
        "tone_macro_f1": d.metrics["tone"]["macro_f1"],
        "calibration": d.calibration.to_dict(),
        "thresholds": d.thresholds,
    }


def choose_onnx_file(
    directory: Path, validation: list[Statement], model_config: dict, *, allow_int8: bool = True
) -> tuple[str, Decisions, dict]:
    """Quantise, fit each file's decisions on validation, and pick the file to run.

    Returns the chosen file, its decisions, and the ``onnx`` block of
    ``model.json`` (both variants' figures and decisions, for the benchmark).
    """
    names = (ONNX_FP32, ONNX_INT8) if allow_int8 else (ONNX_FP32,)
    if allow_int8:
        quantize_int8(directory / ONNX_FP32, directory / ONNX_INT8)
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
