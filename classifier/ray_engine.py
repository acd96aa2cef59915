"""``--engine ray``: classify an archive on a Ray cluster with Ray Data, Parquet out, resumable per block.

Why it is built this way:

- **Ray Data schedules; we do not.** The blocks still to do
  (``classifier.archive``) become a Ray dataset, and ``map_batches`` runs them
  on a pool of actors (``ActorPoolStrategy``, fixed or autoscaling). Each actor
  builds its predictor once and keeps it.
- **Each actor reads and writes its own blocks.** A block's rows are read
  from the input's filesystem inside the actor and its results written there
  as one Parquet file, so the unit of work is also the unit of output and of
  resume, and no rows pass through the driver or the object store.
- **The model travels with the job.** The driver sends the model
  directory's files through the object store; each actor writes them to a
  local temporary directory and loads them with the manifest check, so worker
  nodes need the package installed but not the model.
- **Threads are set, not inherited.** Ray sets ``OMP_NUM_THREADS=1`` in its
  workers; each actor gets ``STANCE_THREADS`` and ``OMP_NUM_THREADS`` equal to
  its ``cpus_per_actor``, which ONNX Runtime reads when the model loads.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from classifier.archive import ArchiveSummary, BlockResult, BlockWriter, Plan, plan_run, run_lock
from classifier.blocks import DEFAULT_BLOCK_ROWS, Block
from classifier.errors import ConfigError, MissingDependencyError

BlockCallback = Callable[[BlockResult, Plan], None]


def _ray():
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise MissingDependencyError("the Ray engine needs Ray Data: pip install 'stance-and-tone[ray]'") from exc
    return ray


def parse_actors(value: str | int) -> tuple[int, int]:
    """``"2"`` -> (2, 2); ``"1:4"`` -> an autoscaling pool of 1 to 4 actors."""
    text = str(value).strip()
    low, _, high = text.partition(":")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError as exc:
        raise ConfigError(f"--actors takes N or MIN:MAX, e.g. 2 or 1:4; got {value!r}") from exc
    if lo < 1 or hi < lo:
        raise ConfigError(f"--actors needs 1 <= MIN <= MAX; got {value!r}")
    return lo, hi


def pack_model(directory: Path) -> dict[str, bytes]:
    """Every file of a model directory (members of an ensemble too), by relative path."""
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


class BlockClassifier:
    """A Ray Data actor: one predictor, many blocks (a batch is a few block descriptions, not rows)."""

    def __init__(self, *, model_files, settings: dict, output_dir: str, formatters, max_chars: int):
        import ray

        from classifier.predictor import Predictor

        model_files = ray.get(model_files) if isinstance(model_files, ray.ObjectRef) else model_files
        formatters = ray.get(formatters) if isinstance(formatters, ray.ObjectRef) else formatters
        self._dir = Path(tempfile.mkdtemp(prefix="stance-model-"))
        weakref.finalize(self, shutil.rmtree, self._dir, True)
        for name, data in model_files.items():
            target = self._dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        predictor = Predictor.load(self._dir, max_chars=max_chars)
        self.writer = BlockWriter(
            predictor,
            model_sha256=settings["model_sha256"],
            output_dir=output_dir,
            text_column=settings["text_column"],
            batch_size=settings["batch_size"],
            formatters=formatters,
        )

    def __call__(self, batch):
        import pyarrow as pa

        results = [self.writer.write(Block(**row)).to_dict() for row in batch.to_pylist()]
        return pa.Table.from_pylist(results)


def run_on_ray(
    model_dir: str | Path,
    input_spec: str,
    output_dir: str,
    *,
    address: str | None = None,
    actors: tuple[int, int] = (1, 1),
    cpus_per_actor: float = 1,
    batch_size: int | None = None,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    text_column: str = "text",
    input_format: str | None = None,
    force: bool = False,
    max_chars: int | None = None,
    on_block: BlockCallback | None = None,
    num_cpus: int | None = None,
) -> ArchiveSummary:
    """Classify every row of ``input_spec`` into Parquet files under ``output_dir``, on Ray.

    Joins the cluster at ``address`` (``"auto"`` for the one ``ray start``
    made), or starts a local one with ``num_cpus`` (default: all cores) and
    stops it at the end. A rerun of the same call continues where an earlier
    one stopped (``classifier.archive``). ``on_block(result, plan)`` is called
    in the driver as each block finishes.
    """
    ray = _ray()
    from classifier.modelfile import model_digest, read_metadata
    from classifier.predictor import MAX_CHARS, batch_size_hint

    if cpus_per_actor <= 0:
        raise ConfigError(f"cpus_per_actor must be positive, got {cpus_per_actor}")
    started = time.monotonic()
    model_dir = Path(model_dir)
    # the model's format, schema and every file's sha256 are checked before any cluster starts; the
    # model itself loads only in the actors, so the driver stays small
    metadata = read_metadata(model_dir)
    batch_size = batch_size or batch_size_hint(model_dir, metadata)
    with run_lock(output_dir):  # a second run on the same directory refuses before touching it
        plan = plan_run(
            input_spec,
            output_dir,
            model_sha256=model_digest(model_dir),
            batch_size=batch_size,
            block_rows=block_rows,
            text_column=text_column,
            input_format=input_format,
            max_chars=max_chars or MAX_CHARS,
            force=force,
        )
        rows_before = sum(rows for rows, _ in plan.done.values())
        summary = ArchiveSummary(
            output_dir=output_dir,
            files=len(plan.files),
            redone=list(plan.redone),
            blocks=len(plan.blocks),
            blocks_before=len(plan.done),
            rows_before=rows_before,
            read=rows_before,
            classified=rows_before - sum(failed for _, failed in plan.done.values()),
            failed=sum(failed for _, failed in plan.done.values()),
            elapsed=0.0,
        )
        pending = plan.pending
        if pending:
            actors = (min(actors[0], len(pending)), min(actors[1], len(pending)))  # no actor without a block to do
            runs = _run_blocks(ray, plan, pending, model_dir, address, actors, cpus_per_actor, max_chars, num_cpus)
            with contextlib.closing(runs):  # stops the dataset (and a cluster started here) on any error
                for result in runs:
                    _count(summary, result)
                    if on_block is not None:
                        on_block(result, plan)
    summary.elapsed = time.monotonic() - started
    return summary


def _count(summary: ArchiveSummary, result: BlockResult) -> None:
    if result.error is not None:
        summary.failed_blocks.append((result.output, result.error))
        return
    summary.read += result.rows
    summary.classified += result.classified
    summary.failed += result.failed
    if result.first_error and len(summary.errors) < 5:
        summary.errors.append(result.first_error)
    summary.memory_mib[result.pid] = max(summary.memory_mib.get(result.pid, 0.0), result.max_rss_mib)


def _run_blocks(ray, plan, pending, model_dir, address, actors, cpus_per_actor, max_chars, num_cpus):
    """Yield each block's ``BlockResult`` as Ray finishes it."""
    from ray.data import ActorPoolStrategy, DataContext

    from classifier.predictor import MAX_CHARS

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address or "local",  # a new cluster on this machine, even when `ray start` made another
            num_cpus=num_cpus if address is None else None,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    context = DataContext.get_current()
    saved_bars = context.enable_progress_bars
    context.enable_progress_bars = False  # the CLI draws one bar for the whole run
    threads = str(max(1, int(cpus_per_actor)))
    try:
        items = [b.to_dict() for b in pending]
        dataset = ray.data.from_items(items, override_num_blocks=len(items))
        dataset = dataset.map_batches(
            BlockClassifier,
            batch_size=1,
            batch_format="pyarrow",
            compute=ActorPoolStrategy(min_size=actors[0], max_size=actors[1]),
            num_cpus=cpus_per_actor,
            fn_constructor_kwargs={
                "model_files": ray.put(pack_model(model_dir)),
                "settings": plan.settings,
                "output_dir": plan.output_dir,
                "formatters": ray.put(plan.formatters),
                "max_chars": max_chars or MAX_CHARS,
            },
            runtime_env={"env_vars": {"STANCE_THREADS": threads, "OMP_NUM_THREADS": threads}},
        )
        for row in dataset.iter_rows():
            yield BlockResult(**row)
    finally:
        context.enable_progress_bars = saved_bars
        if started_here:
            ray.shutdown()
