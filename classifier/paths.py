"""Default locations, resolved once here so the CLI, training and tests agree."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
DATA_DIR = REPO_DIR / "data"
DEFAULT_DATA = DATA_DIR / "statements.jsonl"
SAMPLES_FILE = DATA_DIR / "samples.txt"


def models_dir() -> Path:
    """Where trained models live; ``STANCE_MODELS_DIR`` moves it (tests use a temp dir)."""
    return Path(os.environ.get("STANCE_MODELS_DIR", REPO_DIR / "models"))


def default_model_dir(kind: str) -> Path:
    return models_dir() / kind
