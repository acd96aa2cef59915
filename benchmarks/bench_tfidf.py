"""TF-IDF baseline: batch throughput and cold-start time of the CLI.

Targets (2-core machine): at least 2,000 statements/s on 10,000 statements;
a cold ``stance classify "..." --model models/tfidf`` under 2 seconds.
Run: ``python benchmarks/bench_tfidf.py [--model DIR] [--n 10000]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import cold_classify_seconds, median_time, statements

from classifier import paths
from classifier.predictor import Predictor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=paths.default_model_dir("tfidf"))
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    texts = statements(args.n)
    predictor = Predictor.load(args.model)
    seconds = median_time(lambda: predictor.classify(texts))
    cold = cold_classify_seconds(args.model)
    print(f"model: {args.model}")
    print(
        f"batch: {args.n} statements in {seconds:.2f} s (median of 3) = {args.n / seconds:,.0f} statements/s "
        f"(target >= 2,000/s: {'PASS' if args.n / seconds >= 2000 else 'FAIL'})"
    )
    print(f"cold `stance classify` (median of 5): {cold:.2f} s (target < 2 s: {'PASS' if cold < 2 else 'FAIL'})")


if __name__ == "__main__":
    main()
