"""Fine-tuned transformer: ONNX fp32 vs int8 throughput and test quality, cold start.

Targets (2-core machine): at least 200 statements/s in batch; a cold
``stance classify "..." --model DIR`` under 1.5 s. Each ONNX file is scored on
the test split with its own calibration and thresholds (fitted on validation
at training time), so the figures are what each file would give if it ran.
Run: ``python benchmarks/bench_transformer.py [--model DIR] [--n 2000]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import cold_classify_seconds, median_time, statements

from classifier import paths
from classifier.calibration import Calibration
from classifier.corpus import read_statements, select_split
from classifier.models.onnx_transformer import ONNX_FP32, ONNX_INT8


def _session(model_dir: Path, onnx_file: str):
    from classifier.modelfile import read_metadata
    from classifier.models.onnx_transformer import OnnxTransformerModel

    meta = read_metadata(model_dir)
    return OnnxTransformerModel.load(model_dir, dict(meta, onnx={"file": onnx_file})), meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.default_model_dir("transformer"))
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    meta = json.loads((args.model / "model.json").read_text())
    texts = statements(args.n)
    print(f"model: {args.model} (runs {meta['onnx']['file']})")
    variants = [f for f in (ONNX_FP32, ONNX_INT8) if (args.model / f).is_file()]
    for name in variants:
        model, _ = _session(args.model, name)
        seconds = median_time(lambda model=model: model.predict_proba(texts))
        rate = args.n / seconds
        print(
            f"{name:>16}: {rate:,.0f} statements/s on {args.n} statements, length-sorted batches "
            f"(median of 3; target >= 200/s: {'PASS' if rate >= 200 else 'FAIL'})"
        )
    test = select_split(read_statements(paths.DEFAULT_DATA), "test")
    for name, decided in meta["onnx"].get("variants", {}).items():
        from training.onnx_variant import variant_scores
        from training.tuning import scored_metrics

        raw = variant_scores(args.model, name, meta["model_config"], [s.text for s in test])
        stance, tone = Calibration.from_dict(decided["calibration"]).apply(*raw)
        m = scored_metrics(stance, tone, decided["thresholds"], test)
        print(
            f"{name:>16}: test (n={len(test)}) stance macro-F1 {m['stance']['macro_f1']:.4f}, "
            f"tone macro-F1 {m['tone']['macro_f1']:.4f}; validation stance {decided['stance_macro_f1']:.4f}"
        )
    cold = cold_classify_seconds(args.model)
    print(f"cold `stance classify` (median of 5): {cold:.2f} s (target < 1.5 s: {'PASS' if cold < 1.5 else 'FAIL'})")
    runtime = [h.get("train_runtime") for h in meta["training"].get("history", []) if "train_runtime" in h]
    if runtime:
        print(
            f"training wall time (Trainer.train): {runtime[-1] / 60:.1f} min "
            f"for {meta['training']['n_train']} training statements"
        )


if __name__ == "__main__":
    main()
