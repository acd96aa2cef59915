"""Reading what ``stance classify`` wrote (JSONL, CSV or Parquet) back in, for the timeline and review queue."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier.errors import DataError
from classifier.schema import STANCES, TONES


def failed_rows(frame) -> np.ndarray:
    """Rows that carry an error (nothing was classified)."""
    if "error" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return (frame["error"].notna() & (frame["error"].astype(str) != "")).to_numpy()


def read_classified(path: Path):
    """A classify output as a DataFrame, by its extension (JSONL, CSV or Parquet)."""
    import pandas as pd

    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path)
        return pd.read_json(path, lines=True, dtype=False)
    except ValueError as exc:
        raise DataError(f"{path}: cannot read classified output ({exc})") from exc


def scores_of(frame, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Stance (n×8) and tone (n×5) probabilities from JSONL dicts or from CSV/Parquet score columns."""
    if "stance_scores" in frame.columns:
        stance = np.array([[d[s] for s in STANCES] for d in frame["stance_scores"]], dtype=float)
        tone = np.array([[d[t] for t in TONES] for d in frame["tone_scores"]], dtype=float)
        return stance, tone
    wanted = [f"score_{s}" for s in STANCES] + [f"tone_{t}" for t in TONES]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: no scores found (neither 'stance_scores' nor the columns {', '.join(missing[:3])} ...); "
            "give an output of `stance classify`"
        )
    return frame[wanted[: len(STANCES)]].to_numpy(float), frame[wanted[len(STANCES) :]].to_numpy(float)
