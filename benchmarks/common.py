"""Helpers shared by the benchmark scripts: inputs, timing, cold starts."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier import paths


def corpus_texts() -> list[str]:
    from classifier.corpus import read_statements

    return [s.text for s in read_statements(paths.DEFAULT_DATA)]


def statements(n: int, seed: int = 0) -> list[str]:
    """``n`` realistic statements: corpus sentences recombined, so nothing is an exact repeat."""
    import re

    sentences = [s for t in corpus_texts() for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 20]
    rng = random.Random(seed)
    return [" ".join(rng.sample(sentences, rng.choice((1, 1, 2, 3)))) for _ in range(n)]


def median_time(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_classify_seconds(model_dir: Path, repeats: int = 5) -> float:
    """Wall time of a fresh ``stance classify "..." --model DIR`` process, median of ``repeats``."""
    cmd = [
        sys.executable,
        "-m",
        "classifier",
        "classify",
        "--model",
        str(model_dir),
        "--format",
        "jsonl",
        "Any aggression against our territory will meet a decisive response.",
    ]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)
