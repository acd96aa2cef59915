"""Quick probes of ideas that need no full training: sentence pooling, weight soups, seed averaging, data size,
and how the ensemble combines its members.

Each probe scores the validation split with models trained on the training
split only, and compares variants by stance macro-F1 on the real-derived
validation statements. Thresholds (one per stance, the best F1 on a grid) are
fitted on one half of the validation events and applied to the other half,
both ways, over 20 random halvings; the figure is the mean. This is lighter
than the shipped tuning (no calibration, no shrinkage), so the numbers are for
comparing variants with each other, not with the README's.

    python -m training.probes pooling --tfidf models/tfidf --transformer models/study/tone-unweighted-13
    python -m training.probes soup models/study/tone-unweighted-13 models/study/tone-unweighted-14 ...
    python -m training.probes curve --tfidf models/tfidf
    python -m training.probes combiners --members models/tfidf models/transformer --cache reports/combiners

``combiners`` uses the shipped protocol instead (``training.tuning.fit_decisions``: calibration and
thresholds cross-fitted over the real-derived validation statements), with each combiner's own
weights fitted in an outer cross-fit by event, so a combiner with more parameters gains nothing from
fitting the statements it is scored on; its figures compare with the ensemble's ``validation_metrics``.
"""

from __future__ import annotations

import argparse
import random
import zlib
from pathlib import Path

import numpy as np

from classifier import paths
from classifier.corpus import Statement, read_statements
from classifier.modelfile import read_metadata
from training.tuning import THRESHOLD_PRIOR, gold_arrays

SPLITS = 20
GRID = np.arange(0.05, 0.95, 0.025)


def _f1(y: np.ndarray, d: np.ndarray) -> float:
    tp = float(np.sum(y & d))
    denominator = float(np.sum(y) + np.sum(d))
    return 2 * tp / denominator if denominator else 0.0


def macro_f1(y: np.ndarray, d: np.ndarray) -> float:
    return float(np.mean([_f1(y[:, j], d[:, j]) for j in range(y.shape[1])]))


def _decide(p: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    d = p >= thresholds
    empty = ~d.any(1)
    d[empty, p[empty].argmax(1)] = True
    return d


def _fit(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array([GRID[int(np.argmax([_f1(y[:, j], p[:, j] >= g) for g in GRID]))] for j in range(p.shape[1])])


def cross_fitted_f1(p: np.ndarray, validation: list[Statement]) -> float:
    """Mean real-derived stance macro-F1 over ``SPLITS`` halvings of the validation events."""
    y = gold_arrays(validation)[0].astype(bool)
    real = np.array([s.origin == "real-derived" for s in validation])
    scores = []
    for split in range(SPLITS):
        half = np.array([zlib.crc32(f"{split}:{s.event or s.id}".encode()) % 2 for s in validation])
        d = np.zeros_like(y)
        for k in (0, 1):
            fit, apply = real & (half != k), real & (half == k)
            d[apply] = _decide(p[apply], _fit(p[fit], y[fit]))
        scores.append(macro_f1(y[real], d[real]))
    return float(np.mean(scores))


def _splits(data: Path) -> tuple[list[Statement], list[Statement]]:
    statements = read_statements(data)
    return [s for s in statements if s.split == "train"], [s for s in statements if s.split == "validation"]


def _train_only_tfidf(tfidf_dir: Path, train: list[Statement]):
    from classifier.config import TfidfConfig
    from classifier.models.tfidf import TfidfModel

    meta = read_metadata(tfidf_dir, verify=False)
    return TfidfModel(TfidfConfig.from_dict(meta["model_config"])).fit([s.text for s in train], *gold_arrays(train))


def pooling(args) -> None:
    """Whole-statement scores against the max over each sentence's scores, and mixes of the two."""
    from classifier.models.windows import sentences
    from classifier.predictor import Predictor

    train, validation = _splits(args.data)
    texts = [s.text for s in validation]
    pieces = [sentences(t) or [t] for t in texts]
    flat = [p for ps in pieces for p in ps]
    owner = np.repeat(np.arange(len(texts)), [len(ps) for ps in pieces])
    tfidf = _train_only_tfidf(args.tfidf, train)
    scorers = {
        "tfidf": lambda x: tfidf.predict_proba(x)[0],
        "transformer": lambda x: Predictor.load(args.transformer).scores(x)[0],
    }
    views = {}
    for name, score in scorers.items():
        whole, parts = score(texts), score(flat)
        pooled = np.full_like(whole, -np.inf)
        np.maximum.at(pooled, owner, parts)
        views[name] = (whole, pooled)
    views["average"] = tuple((views["tfidf"][i] + views["transformer"][i]) / 2 for i in (0, 1))
    print(f"{len(texts)} validation statements, {len(flat)} sentences")
    for name, (whole, pooled) in views.items():
        for label, p in (("whole", whole), ("sentence max", pooled), ("mean of both", (whole + pooled) / 2)):
            print(f"{name:12s} {label:13s} stance macro-F1 {cross_fitted_f1(p, validation):.3f}")


def soup(args) -> None:
    """Each seed, the mean of their scores, and one model whose weights are the seeds' average."""
    from training.transformer_model import TransformerModel

    _, validation = _splits(args.data)
    texts = [s.text for s in validation]
    models = [TransformerModel.load(d, read_metadata(d, verify=False)) for d in args.models]
    scores = {d.name: m.predict_proba(texts)[0] for d, m in zip(args.models, models, strict=True)}
    scores["mean of scores"] = np.mean(list(scores.values()), axis=0)
    states = [m.net_.state_dict() for m in models]
    average = {
        k: (sum(s[k].float() for s in states) / len(states)).to(v.dtype) if v.is_floating_point() else v
        for k, v in states[0].items()
    }
    models[0].net_.load_state_dict(average)
    scores["weight soup"] = models[0].predict_proba(texts)[0]
    for name, p in scores.items():
        print(f"{name:28s} stance macro-F1 {cross_fitted_f1(p, validation):.3f}")


def curve(args) -> None:
    """TF-IDF trained on a growing share of the training events."""
    train, validation = _splits(args.data)
    events = sorted({s.event or s.id for s in train})
    for share in (0.5, 0.75, 1.0):
        keep = set(random.Random(0).sample(events, int(len(events) * share)))
        subset = [s for s in train if (s.event or s.id) in keep]
        p = _train_only_tfidf(args.tfidf, subset).predict_proba([s.text for s in validation])[0]
        print(
            f"{share:4.0%} of training events ({len(subset)} statements): "
            f"stance macro-F1 {cross_fitted_f1(p, validation):.3f}"
        )


def combiners(args) -> None:
    """The shipped pooling (one weight per task) against per-label weights and a stacked logistic regression."""
    from classifier.corpus import file_sha256
    from classifier.modelfile import model_digest
    from training.combiners import COMBINERS, nested_scores
    from training.ensemble import _member_meta, honest_validation_scores
    from training.pipeline import split_for_training
    from training.tuning import fit_decisions, realistic_rows

    statements = read_statements(args.data)
    train, validation, _ = split_for_training(statements, 13)
    sha = file_sha256(args.data)
    scores = []
    for d in args.members:
        cached = args.cache / f"{d.name}-{model_digest(d)[:12]}-{sha[:12]}.npz" if args.cache else None
        if cached is not None and cached.is_file():
            saved = np.load(cached)
            scores.append((saved["stance"], saved["tone"]))
            continue
        scores.append(honest_validation_scores(d, _member_meta(d, sha), train, validation))
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cached, stance=scores[-1][0], tone=scores[-1][1])
    if args.scores_only:
        return
    rows = realistic_rows(validation)[0]
    print(f"{len(rows)} real-derived validation statements; members: {', '.join(str(d) for d in args.members)}")
    for name in args.only or COMBINERS:
        for seed in range(args.repeats):
            stance, tone = nested_scores(name, scores, validation, rows, seed=seed)
            for prior in args.priors:
                m = fit_decisions(stance, tone, validation, prior_strength=prior, seed=seed).metrics
                stance_f1, tone_f1 = m["stance"]["macro_f1"], m["tone"]["macro_f1"]
                print(f"{name:16s} seed {seed} prior {prior:6g}  stance macro-F1 {stance_f1:.3f}  tone {tone_f1:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=paths.DEFAULT_DATA)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("pooling")
    p.add_argument("--tfidf", type=Path, required=True, help="a TF-IDF model whose settings are reused")
    p.add_argument("--transformer", type=Path, required=True, help="a transformer trained on train only")
    p.set_defaults(run=pooling)
    p = commands.add_parser("soup")
    p.add_argument("models", nargs="+", type=Path, help="transformers of one recipe, trained on train only")
    p.set_defaults(run=soup)
    p = commands.add_parser("curve")
    p.add_argument("--tfidf", type=Path, required=True)
    p.set_defaults(run=curve)
    p = commands.add_parser("combiners")
    p.add_argument("--members", type=Path, nargs="+", required=True, help="trained members, as for an ensemble")
    p.add_argument("--cache", type=Path, help="a directory keeping each member's honest validation scores")
    p.add_argument("--scores-only", action="store_true", help="fill the cache and stop")
    p.add_argument("--only", nargs="+", help="combiners to run (default: all)")
    p.add_argument("--repeats", type=int, default=3, help="outer cross-fits, each with its own fold seed")
    p.add_argument(
        "--priors",
        type=float,
        nargs="+",
        default=[THRESHOLD_PRIOR],
        help="threshold shrinkage strengths to try (positives' worth of pull toward the common threshold)",
    )
    p.set_defaults(run=combiners)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
