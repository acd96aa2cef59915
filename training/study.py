"""The recipe study: which training settings read new events best. Rerunnable by anyone.

Every recipe is trained on the training split and judged on the real-derived
statements of the validation split, with calibration and thresholds
cross-fitted there (``training.tuning``), which is how shipped models are
selected. Test is never touched. Results are appended to a JSONL file as each
run ends, so an interrupted study resumes where it stopped, and
``docs/RECIPES.md``-style tables are rendered from that file alone.

    python -m training.study tfidf --out reports/study/tfidf.jsonl
    python -m training.study transformer --stage screen --subsample 2000 --epochs 4 --out reports/study/screen.jsonl
    python -m training.study transformer --stage full --recipes baseline,names --seeds 13,14,15 --save-dir models/study
    python -m training.study table reports/study/screen.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from classifier.config import TfidfConfig, TransformerConfig
from classifier.corpus import read_statements
from classifier.paths import DEFAULT_DATA
from training.pipeline import build_model, fit_on_train, split_for_training, train_model

TFIDF_RECIPES: dict[str, dict] = {
    "baseline": {},
    "names": {"masking": "names"},
    "no-mask": {"masking": "none"},
    "words-1-3": {"word_ngrams": (1, 3)},
    "chars-3-5": {"char_ngrams": (3, 5)},
    "min-df-3": {"min_df": 3},
    "C-1": {"stance_c": 1.0, "tone_c": 1.0},
    "C-16": {"stance_c": 16.0, "tone_c": 16.0},
    "names-C-2": {"masking": "names", "stance_c": 2.0, "tone_c": 2.0},
}

TRANSFORMER_RECIPES: dict[str, dict] = {
    "baseline": {},
    "names": {"masking": "names"},
    "sentences": {"segments": "sentences"},
    "lr-5e-5-decay": {"learning_rate": 5e-5, "layer_lr_decay": 0.8},
    "rdrop": {"rdrop_alpha": 1.0, "dropout": 0.2},
    "no-class-weights": {"class_weights": False},
    "tone-unweighted": {"tone_class_weights": False},
    "names-tone-unweighted": {"masking": "names", "tone_class_weights": False},
    "freeze-2": {"freeze_layers": 2},
    "len-256": {"max_length": 256, "window_stride": 192},
    "names-sentences": {"masking": "names", "segments": "sentences"},
    "frozen-encoder": {"freeze_layers": 6, "head_learning_rate": 5e-3},
}


def _subsample(train, n: int | None, seed: int):
    if not n or n >= len(train):
        return train
    rng = random.Random(seed)
    return rng.sample(train, n)


def run_recipe(
    kind: str,
    name: str,
    overrides: dict,
    data: Path,
    *,
    seed: int,
    subsample: int | None,
    save_dir: Path | None = None,
    **fixed,
) -> dict:
    """Train one recipe on train and return its cross-fitted real-derived validation figures.

    With ``save_dir`` the run is the shipped pipeline itself (``train_model``: the
    int8 file chosen on its own scores, a complete model directory), so a full-length
    run of the winning recipe can be used as it is.
    """
    statements = read_statements(data)
    base = TfidfConfig() if kind == "tfidf" else TransformerConfig()
    config = replace(base, **{**fixed, **overrides, "seed": seed})
    train, validation, _ = split_for_training(statements, seed)
    start = time.perf_counter()
    if save_dir is not None:
        if subsample:
            raise ValueError("--save-dir trains shipped models: it takes the whole training split, not --subsample")
        result = train_model(kind, data, save_dir / f"{name}-{seed}", config=config, force=True)
        seconds = time.perf_counter() - start
        m, tuned_on, n_train = result.validation_metrics, f"real-derived validation ({result.path})", result.n_train
        history = json.loads((result.path / "model.json").read_text(encoding="utf-8"))["training"].get("history")
        epochs = max((h["epoch"] for h in history or [] if "epoch" in h), default=None)
    else:
        train = _subsample(train, subsample, seed)
        model = build_model(kind, config)
        decisions = fit_on_train(model, train, validation).decisions  # the shipped recipe for costly models
        seconds = time.perf_counter() - start
        m, tuned_on, n_train, epochs = decisions.metrics, decisions.tuned_on, len(train), _epochs_run(model)
    return {
        "kind": kind,
        "recipe": name,
        "overrides": overrides,
        "fixed": fixed,
        "seed": seed,
        "n_train": n_train,
        "tuned_on": tuned_on,
        "stance_macro_f1": round(m["stance"]["macro_f1"], 4),
        "tone_macro_f1": round(m["tone"]["macro_f1"], 4),
        "stance_micro_f1": round(m["stance"]["micro_f1"], 4),
        "train_minutes": round(seconds / 60, 2),
        "epochs_run": epochs,
    }


def _epochs_run(model) -> float | None:
    history = getattr(model, "history_", None) or []
    epochs = [h.get("epoch") for h in history if "epoch" in h]
    return max(epochs) if epochs else None


def _done(out: Path) -> set[tuple]:
    if not out.is_file():
        return set()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["kind"], r["recipe"], r["seed"], json.dumps(r["fixed"], sort_keys=True)) for r in rows}


def table(path: Path) -> str:
    """A Markdown table: mean and spread (min-max over seeds) per recipe, best stance first."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["recipe"], []).append(r)

    def cell(values):
        mean = float(np.mean(values))
        return f"{mean:.3f}" if len(values) == 1 else f"{mean:.3f} ({min(values):.3f}-{max(values):.3f})"

    lines = [
        "| recipe | settings | seeds | stance macro-F1 | tone macro-F1 | train min |",
        "|---|---|---|---|---|---|",
    ]
    order = sorted(by, key=lambda k: -np.mean([r["stance_macro_f1"] for r in by[k]]))
    for name in order:
        runs = by[name]
        settings = ", ".join(f"{k}={v}" for k, v in runs[0]["overrides"].items()) or "defaults"
        lines.append(
            f"| {name} | {settings} | {len(runs)} | {cell([r['stance_macro_f1'] for r in runs])} | "
            f"{cell([r['tone_macro_f1'] for r in runs])} | {np.mean([r['train_minutes'] for r in runs]):.1f} |"
        )
    first = rows[0]
    lines.append("")
    lines.append(
        f"{first['kind']}, {first['n_train']} training statements, fixed settings {first['fixed'] or 'none'}; "
        f"judged on {first['tuned_on']} of the validation split (calibration and thresholds cross-fitted)."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["tfidf", "transformer", "table"])
    parser.add_argument("path", nargs="?", type=Path, help="table: the results JSONL to render")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--recipes", default=None, help="comma-separated recipe names (default: all)")
    parser.add_argument("--seeds", default="13")
    parser.add_argument("--subsample", type=int, default=None, help="train on this many training statements")
    parser.add_argument("--epochs", type=float, default=None, help="transformer: a fixed screening budget")
    parser.add_argument("--stage", default="full", help="a label for the run (screen, full)")
    parser.add_argument("--save-dir", type=Path, default=None, help="write each run's model to DIR/RECIPE-SEED")
    args = parser.parse_args(argv)
    if args.kind == "table":
        print(table(args.path))
        return
    recipes = TFIDF_RECIPES if args.kind == "tfidf" else TRANSFORMER_RECIPES
    names = args.recipes.split(",") if args.recipes else list(recipes)
    out = args.out or Path("reports") / "study" / f"{args.kind}-{args.stage}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    fixed = {"epochs": args.epochs} if args.epochs else {}
    done = _done(out)
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name in names:
            if (args.kind, name, seed, json.dumps(fixed, sort_keys=True)) in done:
                continue
            result = run_recipe(
                args.kind,
                name,
                recipes[name],
                args.data,
                seed=seed,
                subsample=args.subsample,
                save_dir=args.save_dir,
                **fixed,
            )
            result["stage"] = args.stage
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(result) + "\n")
            print(json.dumps(result), flush=True)
    print(table(out))


if __name__ == "__main__":
    main()
