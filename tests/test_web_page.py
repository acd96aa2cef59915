"""The web page in headless Chromium: paste, labels and evidence; a file table; one review correction saved."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARTIFACTS = Path(__file__).resolve().parents[1] / "reports" / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(tfidf_model_dir):
    from classifier.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(tfidf_model_dir), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(100):
        if instance.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def page(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        page.goto(server + "/")
        page.wait_for_selector("#model:has-text('model: tfidf')")
        yield page
        browser.close()


def test_paste_shows_labels_bars_and_evidence(page):
    page.fill(
        "#texts",
        "We strongly condemn the terrorist bombing in Kerman. We call on the Security Council to act.\n\n"
        "The cabinet approved the budget bill for the coming year.",
    )
    page.click("#go")
    page.wait_for_selector(".result >> nth=1")
    cards = page.locator(".result")
    assert cards.count() == 2
    first = cards.nth(0)
    assert first.locator(".stances").inner_text().strip()
    assert first.locator(".bar").count() == 13  # eight stances, five tones
    assert first.locator(".bar.on").count() >= 2  # the predicted stances and the tone stand out
    assert first.locator("mark").count() >= 1  # evidence spans highlighted in the text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-classify.png"), full_page=True)


def test_file_table_sorts_and_filters(page, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "text": t}) + "\n"
            for i, t in enumerate(
                ["We condemn the attack.", "Talks were held in Muscat.", "Our hearts are with Gaza.", ""]
            )
        ),
        encoding="utf-8",
    )
    page.click("nav button[data-tab=file]")
    page.set_input_files("#upload", str(src))
    page.click("#send")
    page.wait_for_selector("#table tbody tr >> nth=3")
    page.click("#table th[data-col=line]")
    page.click("#table th[data-col=line]")  # descending
    assert page.locator("#table tbody tr").first.locator("td").first.inner_text() == "4"
    page.fill("#filter", "muscat")
    assert page.locator("#table tbody tr").count() == 1
    with page.expect_download() as download:
        page.click("#download")
    rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(rows) == 4 and json.loads(rows[3])["error"]


def test_review_walks_the_queue_with_keys_and_saves_a_correction(page, tmp_path):
    queue = tmp_path / "queue.jsonl"
    rows = [
        {
            "id": "q1",
            "text": "They will pay for the blood of our martyrs.",
            "stances": ["condemnation"],
            "tone": "measured",
            "review_reason": "near threshold",
        },
        {"id": "q2", "text": "The minister travels to Oman.", "stances": ["neutral"], "tone": "measured"},
    ]
    queue.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    page.click("nav button[data-tab=review]")
    page.set_input_files("#queue", str(queue))
    page.wait_for_selector("#itemtext:has-text('blood of our martyrs')")
    page.locator("body").click()
    page.keyboard.press("1")  # retaliation_vow on
    page.keyboard.press("q")  # tone hostile
    assert "on" in page.locator("button[data-stance=retaliation_vow]").get_attribute("class")
    page.keyboard.press("Enter")
    page.wait_for_selector("#itemtext:has-text('Oman')")
    with page.expect_download() as download:
        page.click("#save")
    saved = [json.loads(line) for line in Path(download.value.path()).read_text(encoding="utf-8").splitlines()]
    assert saved[0]["stances"] == ["condemnation", "retaliation_vow"] and saved[0]["tone"] == "hostile"
    assert saved[0]["reviewed"] and saved[0]["corrected"] and not saved[1]["reviewed"]
