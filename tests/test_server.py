"""The HTTP API through FastAPI's test client: results as the CLI gives them, bounded requests, JSON errors."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from classifier.predictor import Predictor
from classifier.server import create_app

TEXTS = ["We condemn the attack on the consulate.", "Talks were held in Muscat on trade."]


@pytest.fixture(scope="module")
def client(tfidf_model_dir):
    return TestClient(create_app(tfidf_model_dir, max_bytes=64 * 1024, max_texts=10), raise_server_exceptions=False)


def test_health_docs_and_page(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/v1/classify", "/v1/classify/file", "/healthz"}
    assert client.get("/docs").status_code == 200
    page = client.get("/").text
    assert "<textarea" in page and "http://" not in page and "https://" not in page  # no CDN: works offline


def test_classify_gives_exactly_the_cli_json(client, tfidf_model_dir):
    body = client.post("/v1/classify", json={"texts": TEXTS}).json()
    assert body["results"] == Predictor.load(tfidf_model_dir).classify(TEXTS)
    explained = client.post("/v1/classify", json={"texts": TEXTS[:1], "explain": True}).json()["results"][0]
    assert "evidence" in explained


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"texts": []}, 422, "texts"),
        ({"texts": "one string"}, 422, "texts"),
        ({"txt": ["x"]}, 422, "texts"),
        ({"texts": ["x"] * 11}, 413, "the limit is 10"),
    ],
)
def test_bad_requests_get_a_json_error_naming_the_problem(client, payload, status, words):
    response = client.post("/v1/classify", json=payload)
    assert response.status_code == status and words in response.json()["error"]


def test_oversized_and_malformed_bodies(client):
    big = client.post(
        "/v1/classify", content=b'{"texts": ["' + b"x" * 70_000 + b'"]}', headers={"content-type": "application/json"}
    )
    assert big.status_code == 413 and "limit" in big.json()["error"]
    broken = client.post("/v1/classify", content=b'{"texts": [', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "error" in broken.json() and "Traceback" not in broken.text


def test_file_upload_streams_one_row_per_input_row(client):
    lines = [json.dumps({"id": i, "text": t}) for i, t in enumerate(TEXTS)] + ["not json", json.dumps({"id": 9})]
    upload = io.BytesIO(("\n".join(lines) + "\n").encode())
    response = client.post("/v1/classify/file", files={"file": ("in.jsonl", upload, "application/octet-stream")})
    assert response.status_code == 200
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == 4 and rows[0]["id"] == 0 and "stances" in rows[0]
    assert rows[2]["error"].startswith("line 3: invalid JSON") and "no 'text' field" in rows[3]["error"]
    wrong = client.post("/v1/classify/file", files={"file": ("in.docx", io.BytesIO(b"x"), "application/octet-stream")})
    assert wrong.status_code == 415 and ".jsonl" in wrong.json()["error"]


def test_a_bounded_load_of_concurrent_requests_has_no_errors(client):
    def call(i):
        return client.post("/v1/classify", json={"texts": [f"{TEXTS[i % 2]} ({i})"]}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(call, range(300)))
    assert statuses == [200] * 300


def test_a_chunked_body_without_content_length_is_still_bounded(client):
    def chunks():
        yield b'{"texts": ["'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"]}'

    response = client.post("/v1/classify", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "over the limit" in response.json()["error"]
