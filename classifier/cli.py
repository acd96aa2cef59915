"""The ``stance`` command: a thin layer over the library.

Each command parses options, calls one library function and prints what it
returns. Library errors (``StanceError``) become one line on stderr and exit
code 2; anything unexpected becomes one line and exit code 1 (set
``STANCE_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import signal
import sys
from pathlib import Path

import click

from classifier import paths
from classifier.batch_io import INPUT_FORMATS, OUTPUT_FORMATS, STDOUT_FORMATS
from classifier.errors import StanceError
from classifier.models import MODEL_KINDS

EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 1


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn):
    """Turn library errors into one clear line and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StanceError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # the one place that catches everything, to keep tracebacks off users
            if os.environ.get("STANCE_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set STANCE_DEBUG=1 for the traceback)", EXIT_UNEXPECTED)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="stance-and-tone")
def cli():
    """Stance and tone of official statements."""


# -- train ------------------------------------------------------------------


@cli.command()
@click.option(
    "--model",
    "kind",
    type=click.Choice(list(MODEL_KINDS)),
    default="tfidf",
    show_default=True,
    help="Which model to train.",
)
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Labelled JSONL file (default: the bundled corpus).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model directory to write (default: models/<kind>/).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="JSON file of model settings; flags below override it.",
)
@click.option("--epochs", type=float, default=None, help="Transformer: training epochs.")
@click.option("--max-length", type=int, default=None, help="Transformer: tokens per window.")
@click.option("--seed", type=int, default=None, help="Random seed.")
@click.option(
    "--members",
    "member_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Ensemble: a trained member model directory (give it twice or more).",
)
@click.option(
    "--refit-from",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Transformer: train this train-only model's recipe again on train + validation, keeping its "
    "decisions (about 20%% more data, one more training run).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing model directory.")
@handle_errors
def train(kind, data, out, config_file, epochs, max_length, seed, member_dirs, refit_from, force):
    """Train a model and write its directory."""
    from classifier.config import TfidfConfig, TransformerConfig
    from classifier.modelfile import ensure_writable
    from training.pipeline import train_model

    data = data or paths.DEFAULT_DATA
    out = out or paths.default_model_dir(kind)
    if refit_from is not None:
        if kind != "transformer" or any(x is not None for x in (epochs, max_length, config_file, seed)) or member_dirs:
            raise click.UsageError("--refit-from goes with --model transformer alone: the recipe is the source's")
        _refit(refit_from, data, out, force)
        return
    if kind == "ensemble":
        if epochs is not None or max_length is not None or config_file is not None or seed is not None:
            raise click.UsageError("--epochs, --max-length, --config and --seed do not apply to --model ensemble")
        _train_ensemble(member_dirs, data, out, force)
        return
    if member_dirs:
        raise click.UsageError("--members applies to --model ensemble only")
    if kind == "tfidf":
        if epochs is not None or max_length is not None:
            raise click.UsageError("--epochs and --max-length apply to --model transformer only")
        config = TfidfConfig.from_file(config_file) if config_file else TfidfConfig()
        config = config.with_overrides(seed=seed)
    else:
        config = TransformerConfig.from_file(config_file) if config_file else TransformerConfig()
        config = config.with_overrides(epochs=epochs, max_length=max_length, seed=seed)
    ensure_writable(out, force)
    click.echo(f"training {kind} on {data} ...", err=True)
    result = train_model(kind, data, out, config=config, force=force, progress=sys.stderr.isatty())
    m = result.validation_metrics
    click.echo(
        f"wrote {result.path} (train {result.n_train}, validation {result.n_validation}; validation stance "
        f"macro-F1 {m['stance']['macro_f1']:.3f}, tone macro-F1 {m['tone']['macro_f1']:.3f})"
    )


def _refit(source, data, out, force) -> None:
    from classifier.modelfile import ensure_writable
    from training.refit import refit_transformer

    ensure_writable(out, force)
    click.echo(f"refitting {source} on train + validation of {data} ...", err=True)
    result = refit_transformer(source, data, out, force=force, progress=sys.stderr.isatty())
    click.echo(f"wrote {result.path} (train + validation {result.n_train}; decisions from {source})")


def _train_ensemble(member_dirs, data, out, force) -> None:
    from classifier.modelfile import ensure_writable
    from training.ensemble import train_ensemble

    if not member_dirs:
        found = [paths.default_model_dir(k) for k in ("tfidf", "transformer")]
        member_dirs = [d for d in found if (d / "model.json").is_file()]
    ensure_writable(out, force)
    click.echo(f"combining {', '.join(map(str, member_dirs))} on {data} ...", err=True)
    result = train_ensemble(list(member_dirs), data, out, force=force)
    m = result.validation_metrics
    click.echo(
        f"wrote {result.path} (validation stance macro-F1 {m['stance']['macro_f1']:.3f}, "
        f"tone macro-F1 {m['tone']['macro_f1']:.3f}; cross-fitted on real-derived validation statements)"
    )


# -- classify ---------------------------------------------------------------


def resolve_model(model_dir: Path | None) -> Path:
    """The model to use: the one asked for, else the best trained one, else train the TF-IDF baseline."""
    from classifier.selection import best_model_dir

    if model_dir is not None:
        return model_dir
    found = best_model_dir()
    if found is not None:
        return found
    click.echo(
        "no trained model found: training the TF-IDF baseline on the bundled corpus (about three minutes; "
        "`stance setup` trains the better default ensemble) ...",
        err=True,
    )
    return _train_if_missing("tfidf")[0]


def _train_if_missing(kind: str, *, force: bool = False) -> tuple[Path, bool]:
    """The default model directory of ``kind``, and whether it was trained just now."""
    from training.pipeline import train_model

    out = paths.default_model_dir(kind)
    if (out / "model.json").is_file() and not force:
        click.echo(f"{kind}: {out} is there already", err=True)
        return out, False
    click.echo(f"{kind}: training on the bundled corpus ...", err=True)
    result = train_model(kind, paths.DEFAULT_DATA, out, force=force, progress=sys.stderr.isatty())
    m = result.validation_metrics
    click.echo(
        f"{kind}: wrote {out} (validation stance macro-F1 {m['stance']['macro_f1']:.3f}, "
        f"tone {m['tone']['macro_f1']:.3f})",
        err=True,
    )
    return out, True


@cli.command()
@click.option("--baseline-only", is_flag=True, help="Train only the TF-IDF baseline (a few minutes).")
@click.option(
    "--no-refit",
    is_flag=True,
    help="Skip the second transformer run on train + validation (over an hour on corpus v2.11); the ensemble then uses "
    "the train-only transformer (on corpus v2.2 the ensemble scored the same either way).",
)
@click.option("--force", is_flag=True, help="Retrain models that are already there.")
@handle_errors
def setup(baseline_only, no_refit, force):
    """Train the default model where it is missing: TF-IDF, the MiniLM transformer, and their ensemble.

    The transformer is trained on the training split (its decisions are tuned on validation), then its
    recipe again on train + validation (``--refit-from``), and the ensemble combines TF-IDF with the
    refitted one. On 2 CPU cores the whole chain takes one to two hours on corpus v2.11 (README); models that
    are already trained are kept. Without the [train] extra (torch) only the baseline is trained.
    """
    from importlib.util import find_spec

    tfidf, fresh = _train_if_missing("tfidf", force=force)
    if baseline_only:
        return
    if find_spec("torch") is None or find_spec("transformers") is None:
        click.echo(
            "the transformer needs the [train] extra (pip install 'stance-and-tone[train]'): "
            "keeping the TF-IDF baseline as the default",
            err=True,
        )
        return
    if force or not (paths.default_model_dir("transformer") / "model.json").is_file():
        click.echo("transformer: over an hour on 2 CPU cores", err=True)
    transformer, fresh_too = _train_if_missing("transformer", force=force)
    member = transformer
    if not no_refit:
        member = paths.default_model_dir(REFIT_DIR)
        if force or fresh_too or not (member / "model.json").is_file():
            click.echo(f"{REFIT_DIR}: the same recipe on train + validation, about 30 more minutes", err=True)
            _refit(transformer, paths.DEFAULT_DATA, member, True)
            fresh_too = True
        else:
            click.echo(f"{REFIT_DIR}: {member} is there already", err=True)
    ensemble = paths.default_model_dir("ensemble")
    if (ensemble / "model.json").is_file() and not (force or fresh or fresh_too) and _has_member(ensemble, member):
        click.echo(f"ensemble: {ensemble} is there already", err=True)
        return
    _train_ensemble([tfidf, member], paths.DEFAULT_DATA, ensemble, True)


#: where ``stance setup`` keeps the transformer refitted on train + validation
REFIT_DIR = "transformer-refit"


def _has_member(ensemble: Path, member: Path) -> bool:
    """Whether ``ensemble`` was combined from this very member (same files), so it need not be rebuilt."""
    from classifier.modelfile import model_digest
    from classifier.models.ensemble import MEMBERS_DIR

    try:
        digests = {model_digest(d) for d in (ensemble / MEMBERS_DIR).iterdir() if d.is_dir()}
        return model_digest(member) in digests
    except (OSError, StanceError):
        return False


@cli.command()
@click.argument("texts", nargs=-1)
@click.option(
    "--input",
    "input_path",
    type=str,
    default=None,
    help="File of statements (JSONL with 'text', CSV or Parquet with a 'text' column, or one per line); '-' for stdin.",
)
@click.option(
    "--output",
    "output_path",
    type=str,
    default=None,
    help="Write results to this file (JSONL, CSV or Parquet by extension), streaming; "
    "with --engine ray, a directory (local or a URI) that receives Parquet files.",
)
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Model directory (default: best trained model, training the baseline if none).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(STDOUT_FORMATS),
    default=None,
    help="Output format for stdout (default: table on a terminal, jsonl otherwise).",
)
@click.option(
    "--input-format",
    type=click.Choice(INPUT_FORMATS),
    default=None,
    help="Override input format detection (default: by file extension).",
)
@click.option(
    "--output-format",
    type=click.Choice(OUTPUT_FORMATS),
    default=None,
    help="Override the --output format (default: by file extension).",
)
@click.option("--text-column", default="text", show_default=True, help="CSV column / JSON field holding the text.")
@click.option("--explain", is_flag=True, help="Add evidence: the spans that carry each predicted label.")
@click.option("--resume", is_flag=True, help="Continue an interrupted --output run.")
@click.option("--force", is_flag=True, help="Overwrite an existing --output file.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Statements per chunk (default: 256 for TF-IDF, 1024 for the transformer).",
)
@click.option(
    "--max-chars",
    type=click.IntRange(1000, None),
    default=None,
    help="Most characters read per statement; longer ones are read as passages spread over the text (default 100,000).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="ray: classify an archive (a file, folder or glob; s3:// and gs:// too) on a Ray cluster "
    "into a directory of Parquet files, resumable per block (the [ray] extra).",
)
@click.option("--address", default=None, help="Ray: join this cluster ('auto': the one `ray start` made).")
@click.option("--actors", default="1", show_default=True, help="Ray: actors, N or MIN:MAX (autoscaling).")
@click.option(
    "--cpus-per-actor",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Ray: CPUs (and ONNX Runtime threads) per actor (default: all local cores split over --actors MAX; 1 on "
    "a cluster).",
)
@click.option(
    "--block-rows",
    type=click.IntRange(min=1),
    default=None,
    help="Ray: rows per block, the unit of work and resume (default 8192, rounded up to a multiple of --batch-size; "
    "Parquet blocks are whole row groups, so a bigger row group is one block).",
)
@handle_errors
def classify(texts, input_path, output_path, model_dir, fmt, explain, max_chars, engine, **batch_options):
    """Classify statements given as arguments, in a file, or on stdin."""
    from classifier.predictor import Predictor

    ray_options = {k: batch_options.pop(k) for k in ("address", "actors", "cpus_per_actor", "block_rows")}
    if engine == "ray":
        _classify_on_ray(input_path, output_path, model_dir, max_chars, texts, explain, batch_options, ray_options)
        return
    if any(v is not None for k, v in ray_options.items() if k != "actors") or ray_options["actors"] != "1":
        raise click.UsageError("--address, --actors, --cpus-per-actor and --block-rows need --engine ray")

    if texts and input_path:
        raise click.UsageError("give statements as arguments or with --input, not both")
    if not texts and not input_path:
        if sys.stdin.isatty():
            raise click.UsageError("nothing to classify: give statements as arguments, --input FILE, or pipe stdin")
        input_path = "-"
    if output_path is not None and not input_path:
        raise click.UsageError("--output works with --input (use --format to print argument results)")
    if output_path is not None and explain:
        raise click.UsageError("--explain is for reading a few statements; it is not available with --output")
    from classifier.predictor import MAX_CHARS

    predictor = Predictor.load(resolve_model(model_dir), max_chars=max_chars or MAX_CHARS)
    batch_options["batch_size"] = batch_options["batch_size"] or predictor.model.batch_size_hint
    if output_path is not None:
        _classify_to_file(predictor, input_path, output_path, **batch_options)
        return
    fmt = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    _classify_to_stdout(predictor, texts, input_path, fmt, explain, **batch_options)


def _classify_on_ray(input_path, output_path, model_dir, max_chars, texts, explain, batch_options, ray_options):
    from classifier.blocks import DEFAULT_BLOCK_ROWS
    from classifier.ray_engine import parse_actors, run_on_ray

    if texts or not input_path or input_path == "-" or not output_path:
        raise click.UsageError("--engine ray needs --input PATH (a file, folder or glob) and --output DIR")
    if explain or batch_options["output_format"] not in (None, "parquet"):
        raise click.UsageError("--engine ray writes Parquet and has no --explain")
    if batch_options["resume"]:
        click.echo("note: --engine ray always continues a run in the same --output directory", err=True)
    actors = parse_actors(ray_options["actors"])
    cpus = ray_options["cpus_per_actor"]
    if cpus is None:
        cpus = 1 if ray_options["address"] else max(1, (os.cpu_count() or 1) // actors[1])
    bar = None

    def on_block(result, plan):
        nonlocal bar
        if not sys.stderr.isatty():
            return
        if bar is None:
            from tqdm import tqdm

            total, before = plan.total_rows, sum(rows for rows, _ in plan.done.values())
            bar = tqdm(total=total, initial=before, unit="stmt", file=sys.stderr, dynamic_ncols=True)
        bar.update(result.rows)

    with sigterm_as_interrupt() as received:
        try:
            summary = run_on_ray(
                resolve_model(Path(model_dir) if model_dir else None),
                input_path,
                output_path,
                address=ray_options["address"],
                actors=actors,
                cpus_per_actor=cpus,
                batch_size=batch_options["batch_size"],
                block_rows=ray_options["block_rows"] or DEFAULT_BLOCK_ROWS,
                text_column=batch_options["text_column"],
                input_format=batch_options["input_format"],
                force=batch_options["force"],
                max_chars=max_chars,
                on_block=on_block,
            )
        except KeyboardInterrupt:
            how = "terminated (SIGTERM)" if received else "interrupted"
            click.echo(
                f"{how}; the blocks finished so far are kept in {output_path}. Run the same command again to continue.",
                err=True,
            )
            sys.exit(128 + signal.SIGTERM if received else 130)
        finally:
            if bar is not None:
                bar.close()
    click.echo(summary.describe(), err=True)
    if not summary.ok:
        sys.exit(EXIT_BAD_INPUT)


def _classify_to_stdout(predictor, texts, input_path, fmt, explain, **options):
    """Arguments, a file or stdin to stdout, through the same reader, loop and writers as ``--output``."""
    from classifier.batch import run_batch

    if texts:  # arguments become JSONL rows numbered from 1, so they are read like any input
        lines = (json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts, start=1))
        input_path = io.BytesIO("".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass"))
        options.update(input_format="jsonl", text_column="text")
    for option in ("resume", "force", "output_format"):  # file-only options
        options.pop(option)
    summary = run_batch(predictor, input_path, "-", output_format=fmt, explain=explain, **options)
    if summary.failed:
        click.echo(f"{summary.failed} statement(s) could not be classified (see their 'error' field)", err=True)
        sys.exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM (``kill``, ``timeout``, schedulers, container runtimes) stops a run as Ctrl-C does.

    Yields a list that holds the signal number once one has arrived.
    """
    received: list[int] = []

    def handler(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def _classify_to_file(predictor, input_path, output_path, **options):
    from classifier.batch import BatchInterrupted, run_batch

    options["overwrite"] = options.pop("force")
    with sigterm_as_interrupt() as received:
        try:
            summary = run_batch(predictor, input_path, output_path, progress=sys.stderr.isatty(), **options)
        except BatchInterrupted as exc:
            how = "terminated (SIGTERM)" if received else "interrupted"
            click.echo(f"{how} after {exc.rows_done} rows; partial results kept. {exc.resume_hint}", err=True)
            sys.exit(128 + signal.SIGTERM if received else 130)
    click.echo(summary.describe(), err=True)
    if summary.failed:
        sys.exit(EXIT_BAD_INPUT)


# -- evaluate / compare -----------------------------------------------------


def evaluation_options(fn):
    """Options shared by ``evaluate`` and ``compare``: which data, which split, how many resamples."""
    fn = click.option(
        "--resamples",
        type=click.IntRange(0, 100_000),
        default=1000,
        show_default=True,
        help="Bootstrap resamples for the 95% intervals (0: none).",
    )(fn)
    fn = click.option("--split", default="test", show_default=True, help="Split to use when the file has splits.")(fn)
    return click.option(
        "--data",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Labelled JSONL (default: the bundled corpus; only text, stances and tone are required).",
    )(fn)


@cli.command()
@click.option("--model", "model_dir", type=click.Path(path_type=Path), required=True, help="Model directory.")
@evaluation_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for metrics.json, results.json and the reports (default: reports/<model>).",
)
@handle_errors
def evaluate(model_dir, data, split, resamples, out):
    """Score one model on labelled data: metrics.json, results.json, report.md, report.html."""
    _run_comparison([model_dir], data, split, out or Path("reports") / model_dir.name, resamples)


@cli.command()
@click.option(
    "--models",
    "model_dirs",
    type=click.Path(path_type=Path),
    multiple=True,
    required=True,
    help="Model directories (repeat the option or list them after it).",
)
@click.argument("more_models", nargs=-1, type=click.Path(path_type=Path))
@evaluation_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/compare"),
    show_default=True,
    help="Directory for results.json and the reports.",
)
@handle_errors
def compare(model_dirs, more_models, data, split, resamples, out):
    """Run several models on the same statements and write one comparison report."""
    _run_comparison([*model_dirs, *more_models], data, split, out, resamples)


def _run_comparison(model_dirs, data, split, out, resamples):
    from evaluation.harness import compare as run_compare
    from evaluation.harness import write_results
    from evaluation.report_md import terminal_summary
    from evaluation.reports import render_reports

    results = run_compare(model_dirs, data, split=split, n_resamples=resamples)
    written = write_results(results, out)
    written.update(render_reports(results, out))
    click.echo(terminal_summary(results))
    for name, path in sorted(written.items()):
        click.echo(f"wrote {name}: {path}", err=True)


@cli.command()
@click.argument("results_file", metavar="RESULTS.json", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for report.md and report.html (default: beside RESULTS.json).",
)
@handle_errors
def report(results_file, out):
    """Re-render report.md and report.html from a results.json, without the models or the data."""
    from classifier.files import read_json
    from evaluation.reports import render_reports

    results = read_json(results_file, "results file")
    for name, path in sorted(render_reports(results, out or results_file.parent).items()):
        click.echo(f"wrote {name}: {path}", err=True)


@cli.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output of `stance classify` (JSONL, CSV or Parquet) with a date column.",
)
@click.option("--by", default="speaker", show_default=True, help="Column to group by (speaker, speaker_name ...).")
@click.option("--freq", type=click.Choice(["week", "month"]), default="month", show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory to write.")
@click.option(
    "--events",
    "events_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV or JSONL of known events (date, label) to mark on the plots.",
)
@handle_errors
def timeline(input_path, by, freq, out, events_file):
    """Escalation index, stance shares and volume per group and period, with flags for unusual periods."""
    from classifier.timeline import build_timeline, read_events, write_timeline

    built = build_timeline(input_path, by=by, freq=freq)
    events = read_events(events_file) if events_file else []
    written = write_timeline(built, out, events)
    flagged = built.table[built.table["flag"] != ""]
    click.echo(
        f"{len(built.table)} periods over {built.table[by].nunique()} groups; {len(flagged)} flagged"
        + (f"; left out: {', '.join(f'{v} {k}' for k, v in built.skipped.items())}" if built.skipped else "")
    )
    for name, path in written.items():
        click.echo(f"wrote {name}: {path}", err=True)


@cli.group()
def review():
    """Pick what a person should check, in the labelled-data format."""


@review.command("select")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output of `stance classify` (JSONL, CSV or Parquet).",
)
@click.option("--k", type=click.IntRange(min=1), default=100, show_default=True, help="How many statements.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="QUEUE.jsonl to write.")
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The model that classified the input, for its thresholds (default: the best trained one).",
)
@click.option(
    "--compare",
    "compare_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The same rows classified by another model: disagreements go up the queue.",
)
@click.option("--text-column", default="text", show_default=True)
@handle_errors
def review_select(input_path, k, out, model_dir, compare_path, text_column):
    """The K statements most worth a person's time, prefilled with the predicted labels and the reasons."""
    from classifier.decision import thresholds_vector
    from classifier.modelfile import read_metadata
    from classifier.review import rank_for_review, write_queue
    from classifier.selection import best_model_dir

    directory = model_dir or best_model_dir()
    thresholds = thresholds_vector(read_metadata(directory, verify=False).get("thresholds")) if directory else None
    frame, candidates = rank_for_review(input_path, thresholds=thresholds, compare=compare_path)
    n = write_queue(frame, candidates, k, out, text_column=text_column)
    click.echo(
        f"{out}: {n} statements to review, most worth it first (from {len(frame)} classified). Correct "
        "`stances` and `tone` where they are wrong, then `stance train --data` with the corrected file."
    )


@cli.command()
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model directory (default: the best trained one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost only by default).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--max-bytes",
    type=click.IntRange(1024, None),
    default=1 << 20,
    show_default=True,
    help="Largest request body accepted (413 above it).",
)
@click.option(
    "--max-texts",
    type=click.IntRange(1, None),
    default=256,
    show_default=True,
    help="Most statements in one /v1/classify request.",
)
@handle_errors
def serve(model_dir, host, port, max_bytes, max_texts):
    """The HTTP API and the web page (needs the [serve] extra). API docs at /docs."""
    from importlib.util import find_spec

    if find_spec("fastapi") is None or find_spec("uvicorn") is None:
        raise click.UsageError("`stance serve` needs the [serve] extra: pip install 'stance-and-tone[serve]'")
    import uvicorn

    from classifier.server import create_app

    app = create_app(resolve_model(model_dir), max_bytes=max_bytes, max_texts=max_texts)
    click.echo(f"serving on http://{host}:{port}/ (API docs at /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


# -- data -------------------------------------------------------------------


@cli.group()
def data():
    """Check and describe a labelled corpus."""


@data.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--threshold",
    type=click.FloatRange(0.5, 1.0),
    default=0.9,
    show_default=True,
    help="Cosine similarity above which two statements count as near duplicates.",
)
@click.option(
    "--cutoff",
    default=None,
    metavar="YYYY-MM-DD",
    help="Fail on statements dated after this day (default: the bundled corpus' cutoff for the bundled corpus).",
)
@click.option(
    "--partners",
    "partners",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Check FILE as a contrast batch against this corpus, where its partners are (e.g. data/statements.jsonl).",
)
@handle_errors
def data_check(file, threshold, cutoff, partners):
    """Validate a corpus: schema, duplicates, cutoff date, contrast partners, shared openings.

    With --partners, FILE is a contrast batch being written: its partners join the check, and each
    contrast must keep its partner's event, date and speaker, change a label, and have a new id.
    """
    from training.corpus_check import BUNDLED_CUTOFF, check_corpus

    if partners is not None and file is None:
        raise click.UsageError("--partners needs the FILE of the contrast batch to check")
    if cutoff is None and (file is None or partners is not None):
        cutoff = BUNDLED_CUTOFF
    report = check_corpus(file or paths.DEFAULT_DATA, threshold=threshold, cutoff=cutoff, partners=partners)
    click.echo(report.render())
    if not report.ok:
        sys.exit(EXIT_BAD_INPUT)


@data.command("stats")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@handle_errors
def data_stats(file, as_json):
    """Counts per speaker, stance, tone, split, length band and the multi-stance rate."""
    from training.corpus_stats import corpus_stats, render_stats

    stats = corpus_stats(file or paths.DEFAULT_DATA)
    click.echo(json.dumps(stats, indent=2) if as_json else render_stats(stats))


@data.command("audit")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="AUDIT.jsonl to write."
)
@click.option("--top", type=click.IntRange(min=1), default=None, help="Keep only the N most suspicious statements.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True, help="Out-of-fold folds (by event).")
@handle_errors
def data_audit(file, out, top, folds):
    """Rank labelled statements by how likely their labels are wrong (out-of-fold TF-IDF scores)."""
    from classifier.corpus import read_statements
    from training.audit import audit, write_audit

    statements = read_statements(file or paths.DEFAULT_DATA)
    rows = audit(statements, n_folds=folds)
    n = write_audit(rows, out, top=top)
    doubted = sum(1 for r in rows if r.doubts)
    click.echo(
        f"{out}: {n} statements, most suspicious first; {doubted} of {len(rows)} have labels the "
        "out-of-fold model reads differently. Re-read from the top; correct labels in the data file."
    )


def main() -> None:
    # the command owns process-wide settings: nothing may be downloaded at run time
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # a lone surrogate in an input must not crash printing the results
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    cli(prog_name="stance")
