"""A wheel that works: installed outside the checkout, it classifies from an empty directory.

The wheel is built without dependencies and installed into its own folder; the
dependencies come from this environment, and the checkout's editable install
is kept out of the path, so the run sees only what the wheel ships.
"""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_installed_wheel_classifies_from_an_empty_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("stance_and_tone-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    assert (target / "classifier" / "_data" / "statements.jsonl").is_file()
    assert (target / "classifier" / "_data" / "CODEBOOK.md").is_file()
    empty, home = tmp_path / "empty", tmp_path / "home"
    empty.mkdir()
    home.mkdir()
    site = sysconfig.get_paths()["purelib"]
    env = {k: v for k, v in os.environ.items() if k not in ("STANCE_MODELS_DIR", "PYTHONPATH")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"), HF_HUB_OFFLINE="1")

    def stance(*argv: str) -> subprocess.CompletedProcess:
        # -S: no site-packages .pth files, so the checkout's editable install cannot shadow the wheel
        code = (
            f"import sys; sys.path[:0] = [{str(target)!r}, {site!r}]; "
            f"from classifier.cli import main; sys.argv = ['stance', *{list(argv)!r}]; main()"
        )
        out = subprocess.run(
            [sys.executable, "-S", "-c", code], cwd=empty, env=env, capture_output=True, text=True, timeout=600
        )
        assert out.returncode == 0, out.stderr
        return out

    # The default settings take minutes on the whole corpus; cheap ones exercise the same path in about one.
    config = tmp_path / "cheap.json"
    config.write_text(json.dumps({"word_ngrams": [1, 1], "char_ngrams": [4, 4], "min_df": 5, "max_iter": 200}))
    stance("train", "--model", "tfidf", "--config", str(config))
    model = home / ".local" / "share" / "stance-and-tone" / "models" / "tfidf" / "model.json"
    assert model.is_file()  # no --data, no --out: the packaged corpus, into the per-user directory
    assert json.loads(model.read_text())["training"]["data"].startswith(str(target))

    out = stance("classify", "--format", "json", "We condemn the attack and call on the Security Council to act.")
    assert "training" not in out.stderr  # it found the per-user model by itself
    (result,) = json.loads(out.stdout)
    assert result["stances"] and result["tone"]
    assert list(empty.iterdir()) == []  # nothing written to the current directory
