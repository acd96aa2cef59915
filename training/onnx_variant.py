"""Choosing between the fp32 and int8 ONNX files of a trained transformer.

Dynamic int8 quantisation makes inference about three times faster on a CPU,
but it is kept only if it changes nothing that matters: stance and tone
macro-F1 within 0.01 of fp32 and at least 99% of labels identical, checked on
the validation split at training time (the benchmark re-checks on test).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier.calibration import Calibration
from classifier.corpus import Statement
from classifier.decision import decide_all, stances_to_matrix, thresholds_vector, tones_to_indices
from evaluation.metrics import summarise

INT8_MAX_F1_DROP = 0.01
INT8_MIN_AGREEMENT = 0.99


def label_agreement(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Share of (statement, label) decisions that agree: 8 stance bits and the tone per statement."""
    same = (a[0] == b[0]).sum() + (a[1] == b[1]).sum()
    return float(same / (a[0].size + a[1].size))


def compare_variants(
    directory: Path, statements: list[Statement], calibration: Calibration, thresholds: dict, model_config: dict
) -> dict:
    """Scores of the fp32 and int8 ONNX files on labelled statements, and whether int8 passes."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from classifier.models.onnx_transformer import OnnxTransformerModel
    from classifier.models.windows import plain_tokenizer

    tokenizer = plain_tokenizer(Tokenizer.from_file(str(directory / "tokenizer.json")))
    texts = [s.text for s in statements]
    gold_s = stances_to_matrix([s.stances for s in statements])
    gold_t = tones_to_indices([s.tone for s in statements])
    out, labels = {}, {}
    for name in ("model.onnx", "model.int8.onnx"):
        session = ort.InferenceSession(str(directory / name), providers=["CPUExecutionProvider"])
        model = OnnxTransformerModel(
            session,
            tokenizer,
            max_length=model_config["max_length"],
            stride=model_config["window_stride"],
            onnx_file=name,
            mask_names_dates=model_config.get("mask_names_dates", True),
        )
        stance, tone = calibration.apply(*model.predict_proba(texts))
        s_lab, t_lab = decide_all(stance, tone, thresholds_vector(thresholds))
        labels[name] = (stances_to_matrix(s_lab), tones_to_indices(t_lab))
        m = summarise(gold_s, labels[name][0], stance, gold_t, labels[name][1])
        out[name] = {"stance_macro_f1": m["stance"]["macro_f1"], "tone_macro_f1": m["tone"]["macro_f1"]}
    agreement = label_agreement(labels["model.onnx"], labels["model.int8.onnx"])
    fp32, int8 = out["model.onnx"], out["model.int8.onnx"]
    passes = (
        agreement >= INT8_MIN_AGREEMENT
        and fp32["stance_macro_f1"] - int8["stance_macro_f1"] <= INT8_MAX_F1_DROP
        and fp32["tone_macro_f1"] - int8["tone_macro_f1"] <= INT8_MAX_F1_DROP
    )
    return {"fp32": fp32, "int8": int8, "label_agreement": agreement, "int8_passes": bool(passes), "n": len(statements)}


def choose_onnx_file(
    directory: Path,
    validation: list[Statement],
    calibration: Calibration,
    thresholds: dict,
    model_config: dict,
    *,
    allow_int8: bool = True,
) -> dict:
    """Quantise, compare on validation, and record which file ``stance classify`` runs."""
    from training.transformer_model import quantize_int8

    if not allow_int8:
        return {"file": "model.onnx", "int8_check": None}
    import logging

    # onnxruntime's quantiser logs a generic "consider pre-processing" warning on the root logger
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_int8(directory / "model.onnx", directory / "model.int8.onnx")
    finally:
        root.setLevel(level)
    check = compare_variants(directory, validation, calibration, thresholds, model_config)
    # the int8 file stays even when it fails, so the benchmark can report both on the test split
    return {"file": "model.int8.onnx" if check["int8_passes"] else "model.onnx", "int8_check": check}
