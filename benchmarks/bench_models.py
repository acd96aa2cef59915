"""Batch throughput of trained models side by side, measured in one run (the 200 statements/s target).

Each model scores the same 2,000 corpus statements (``Predictor.scores``: the
model plus calibration, the work of a batch run without the file handling),
in chunks of the model's own batch size; the figure is the median of 3 runs,
and the ratios compare models measured in the same run on the same machine.
Run: ``python benchmarks/bench_models.py models/tfidf models/transformer models/ensemble [--n 2000]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import corpus_texts, median_time

from classifier.predictor import Predictor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    texts = (corpus_texts() * 2)[: args.n]
    rates = {}
    for directory in args.models:
        predictor = Predictor.load(directory)
        size = predictor.model.batch_size_hint
        predictor.scores(texts[:size])  # warm-up: first-run allocations, lazy imports

        def run(p=predictor, size=size):
            for i in range(0, len(texts), size):
                p.scores(texts[i : i + size])

        rates[directory.name] = len(texts) / median_time(run)
    first = next(iter(rates.values()))
    for name, rate in rates.items():
        print(f"{name:>14}: {rate:8.1f} statements/s  ({rate / first:.2f}x {next(iter(rates))})")


if __name__ == "__main__":
    main()
