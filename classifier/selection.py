"""Which model ``stance classify`` uses when none is named. Choosing never trains: the CLI decides to."""

from __future__ import annotations

from pathlib import Path

from classifier import paths
from classifier.errors import StanceError
from classifier.modelfile import read_metadata

KINDS_BY_PREFERENCE = ("ensemble", "transformer", "tfidf")


def _validation_score(meta: dict) -> float:
    metrics = meta.get("validation_metrics") or {}
    try:
        return (metrics["stance"]["macro_f1"] + metrics["tone"]["macro_f1"]) / 2
    except (KeyError, TypeError):
        return -1.0


def best_model_dir() -> Path | None:
    """The trained model with the best validation score among those that load cleanly."""
    candidates = []
    for rank, kind in enumerate(KINDS_BY_PREFERENCE):
        directory = paths.default_model_dir(kind)
        if not (directory / "model.json").is_file():
            continue
        try:
            meta = read_metadata(directory, verify=False)
        except StanceError:
            continue
        candidates.append((_validation_score(meta), -rank, directory))
    return max(candidates)[2] if candidates else None
