"""Fine-tuned transformer: ONNX fp32 vs int8 throughput, agreement on the test split, cold start.

Targets (2-core machine): at least 200 statements/s in batch; a cold
``stance classify "..." --model DIR`` under 1.5 s; int8 kept only if stance and
tone macro-F1 stay within 0.01 of fp32 on the test split with >= 99% of labels
identical. Run: ``python benchmarks/bench_transformer.py [--model DIR] [--n 2000]``.
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
    if len(variants) == 2:
        from training.onnx_variant import compare_variants

        test = select_split(read_statements(paths.DEFAULT_DATA), "test")
        check = compare_variants(
            args.model, test, Calibration.from_dict(meta.get("calibration")), meta["thresholds"], meta["model_config"]
        )
        print(
            f"test split (n={check['n']}): fp32 stance macro-F1 {check['fp32']['stance_macro_f1']:.4f}, "
            f"int8 {check['int8']['stance_macro_f1']:.4f}; tone macro-F1 fp32 {check['fp32']['tone_macro_f1']:.4f}, "
            f"int8 {check['int8']['tone_macro_f1']:.4f}; label agreement {check['label_agreement']:.4f} "
            f"-> int8 {'passes' if check['int8_passes'] else 'FAILS'} the 0.01 / 99% rule"
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
