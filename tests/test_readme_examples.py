"""The README's Python examples run as written (on a tiny model and the mini corpus, in a scratch directory)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    section = README.read_text(encoding="utf-8").split("### From Python", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_has_python_examples():
    blocks = python_blocks()
    assert len(blocks) >= 2 and any("classify_frame" in b for b in blocks) and any("train(" in b for b in blocks)


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_example_runs(index, tfidf_model_dir, mini_corpus, tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    models = tmp_path / "user-models"
    shutil.copytree(tfidf_model_dir, models / "tfidf")
    monkeypatch.setenv("STANCE_MODELS_DIR", str(models))
    monkeypatch.chdir(tmp_path)
    shutil.copy(mini_corpus, tmp_path / "my.jsonl")
    exec(compile(python_blocks()[index], f"README.md python block {index + 1}", "exec"), {})
