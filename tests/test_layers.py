"""The runtime package stands alone: only its front doors reach into training or evaluation."""

from __future__ import annotations

import ast
from pathlib import Path

import classifier

RUNTIME = Path(classifier.__file__).parent
#: the CLI and ``classifier.train`` are the application's entry points; they may call training code
FRONT_DOORS = {"cli.py", "__init__.py"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_runtime_modules_never_import_training_or_evaluation():
    offenders = {
        str(p.relative_to(RUNTIME)): sorted(_imports(p) & {"training", "evaluation"})
        for p in RUNTIME.rglob("*.py")
        if p.name not in FRONT_DOORS or p.parent != RUNTIME
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_one_registry_of_model_kinds_and_one_error_for_an_unknown_kind():
    import pytest

    from classifier.errors import ConfigError
    from classifier.models import MODEL_KINDS
    from training.pipeline import build_model

    with pytest.raises(ConfigError, match="known kinds: " + ", ".join(MODEL_KINDS)):
        build_model("bert-large", None)
    with pytest.raises(ConfigError, match="combined from trained members"):
        build_model("ensemble", None)
