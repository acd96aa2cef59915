"""Open report.html in headless Chromium: it renders its sections and images, with no console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from evaluation.report_html import SECTIONS
from evaluation.reports import render_reports

#: fixtures eval_corpus, eval_models, eval_results
pytest_plugins = ["test_evaluation_support"]

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
#: the second model's colour in every figure; nowhere else on the page
SECOND_MODEL_RGB = (0xE6, 0x9F, 0x00)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]


@pytest.fixture(scope="module")
def report(eval_results, tmp_path_factory) -> Path:
    return render_reports(eval_results, tmp_path_factory.mktemp("report"))["html"]


def test_dom_has_sections_and_images_without_console_errors(report, tmp_path):
    run = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    for key, title in SECTIONS:
        assert f'id="{key}"' in dom, key
        assert title.split()[0] in dom
    images = re.findall(r'<img src="data:image/png;base64,', dom)
    assert len(images) >= 7
    assert not _console_errors(run.stderr), _console_errors(run.stderr)


def test_screenshot_is_non_trivial_and_shows_the_figures(report, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    run = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,4000", report.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 50_000
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (4000, 1280)
    assert pixels.std() > 20, "the page looks blank"
    # the figures drew: many pixels in the second model's colour (used only inside the plots)
    close = (np.abs(pixels - np.array(SECOND_MODEL_RGB)).sum(axis=2) < 40).sum()
    assert close > 2000, close
    assert not _console_errors(run.stderr), _console_errors(run.stderr)
