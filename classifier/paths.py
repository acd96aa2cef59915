"""Default locations, resolved once here so the CLI, training and tests agree.

From a checkout (``make run``), the corpus is ``data/`` and models go to
``models/`` beside it. From an installed wheel, the bundled corpus, codebook
and samples are package data (``classifier/_data``) and models go to the
per-user data directory (platformdirs), never into site-packages or the
current directory. ``STANCE_MODELS_DIR`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
APP_NAME = "stance-and-tone"


def _is_checkout() -> bool:
    return (REPO_DIR / "pyproject.toml").is_file() and (REPO_DIR / "data" / "statements.jsonl").is_file()


DATA_DIR = REPO_DIR / "data" if _is_checkout() else PACKAGE_DIR / "_data"
DEFAULT_DATA = DATA_DIR / "statements.jsonl"
SAMPLES_FILE = DATA_DIR / "samples.txt"
CODEBOOK_FILE = DATA_DIR / "CODEBOOK.md"


def models_dir() -> Path:
    """Where trained models live: ``STANCE_MODELS_DIR``, else ``models/`` in a checkout, else the user data dir."""
    if os.environ.get("STANCE_MODELS_DIR"):
        return Path(os.environ["STANCE_MODELS_DIR"])
    if _is_checkout():
        return REPO_DIR / "models"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "models"


def default_model_dir(kind: str) -> Path:
    return models_dir() / kind
