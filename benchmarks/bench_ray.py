"""Archive throughput: the single-process batch path against ``--engine ray`` with 1 and 2 actors, in one run.

The same Parquet files (corpus sentences recombined) go through
``run_batch`` file by file, then through ``run_on_ray`` on a local Ray
cluster started once before the timings (its start-up is printed apart),
first with one actor holding every core, then with one actor per core. Each
Ray figure counts from the call to the last block written, so it includes
starting the actors and loading the model in each. Peak memory is each
actor process's maximum resident set, as the actor reports it.
Run: ``python benchmarks/bench_ray.py models/ensemble [--files 4 --rows 2000]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from common import statements

from classifier.batch import run_batch
from classifier.predictor import Predictor


def write_inputs(root: Path, files: int, rows: int) -> list[Path]:
    texts = statements(files * rows)
    paths = []
    for k in range(files):
        path = root / f"wire-{k:02d}.parquet"
        part = texts[k * rows : (k + 1) * rows]
        pq.write_table(pa.table({"id": range(k * rows, (k + 1) * rows), "text": part}), path)
        paths.append(path)
    return paths


def single_process(model: Path, inputs: list[Path], out: Path) -> float:
    predictor = Predictor.load(model)
    size = predictor.model.batch_size_hint
    start = time.perf_counter()
    for path in inputs:
        run_batch(predictor, path, out / f"{path.stem}.parquet", batch_size=size)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--rows", type=int, default=2000, help="rows per file")
    parser.add_argument("--block-rows", type=int, default=1024)
    args = parser.parse_args()
    import ray

    from classifier.ray_engine import run_on_ray

    cores = os.cpu_count() or 1
    total = args.files * args.rows
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = write_inputs(root, args.files, args.rows)
        (root / "single").mkdir()
        seconds = single_process(args.model, inputs, root / "single")
        print(f"{args.model.name}: {args.files} Parquet files x {args.rows} rows on {cores} cores, one run each")
        print(f"  single process          : {total / seconds:7.1f} statements/s  ({seconds:.1f} s)")
        print(f"  single process peak RSS : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:7.0f} MiB")
        start = time.perf_counter()
        ray.init(
            address="local", num_cpus=cores, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False
        )
        print(f"  local Ray cluster start : {time.perf_counter() - start:7.1f} s (not counted below)")
        try:
            for actors in (1, 2):
                begin = time.perf_counter()
                summary = run_on_ray(
                    args.model,
                    str(root / "*.parquet"),
                    str(root / f"ray-{actors}"),
                    actors=(actors, actors),
                    cpus_per_actor=max(1, cores // actors),
                    block_rows=args.block_rows,
                )
                took = time.perf_counter() - begin
                assert summary.read == total and not summary.failed_blocks, summary.describe()
                memory = ", ".join(f"{m:.0f}" for m in sorted(summary.memory_mib.values()))
                print(
                    f"  Ray, {actors} actor(s) x {max(1, cores // actors)} CPU: {total / took:7.1f} statements/s  "
                    f"({took:.1f} s, {total / took / (total / seconds):.2f}x single process); "
                    f"peak RSS per actor: {memory} MiB"
                )
        finally:
            ray.shutdown()


if __name__ == "__main__":
    main()
