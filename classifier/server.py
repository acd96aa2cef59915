"""The HTTP front door: a JSON API and a local web page over the same library functions as the CLI.

``create_app`` builds a FastAPI app around one loaded model (the ``[serve]``
extra). Results are exactly the CLI's JSON for each statement. Requests are
bounded (body size, statements per request) and every client error is a 4xx
JSON body naming the problem, never a traceback. The page at ``/`` is one
self-contained HTML file (no build step, no CDN): it works offline. FastAPI
and pydantic are imported at module level because FastAPI resolves the route
annotations from this module's globals.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import File, UploadFile
from pydantic import BaseModel, Field

from classifier.errors import StanceError
from classifier.predictor import Predictor

MAX_BYTES = 1 << 20  # 1 MiB per request
MAX_TEXTS = 256  # statements per /v1/classify request
PAGE = Path(__file__).with_name("web") / "index.html"
UPLOAD_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet"}


class ClassifyRequest(BaseModel):
    texts: list[str] = Field(..., description="Statements to classify", min_length=1)
    explain: bool = Field(False, description="Add evidence: the clauses that carry each label")


def create_app(model_dir: str | Path, *, max_bytes: int = MAX_BYTES, max_texts: int = MAX_TEXTS):
    from fastapi import FastAPI
    from fastapi.responses import FileResponse
    from starlette.concurrency import run_in_threadpool

    predictor = Predictor.load(model_dir)
    app = FastAPI(
        title="stance-and-tone",
        description="What official statements do (stance) and in what register (tone).",
        version="1",
    )
    _add_limits_and_errors(app, max_bytes)

    @app.get("/healthz")
    def healthz():
        model = {
            "kind": predictor.kind,
            "path": str(predictor.path),
            "created_at": predictor.metadata.get("created_at"),
        }
        return {"status": "ok", "model": model}

    @app.post("/v1/classify")
    async def classify(body: ClassifyRequest):
        """Results exactly like the CLI's JSON, one per text, in order."""
        if len(body.texts) > max_texts:
            return _problem(413, f"{len(body.texts)} statements in one request; the limit is {max_texts}")
        results = await run_in_threadpool(predictor.classify, body.texts, None, explain=body.explain)
        return {"results": results}

    @app.get("/v1/labels")
    def labels():
        from classifier.schema import STANCE_DEFINITIONS, STANCES, TONE_DEFINITIONS, TONES

        return {
            "stances": {s: STANCE_DEFINITIONS[s] for s in STANCES},
            "tones": {t: TONE_DEFINITIONS[t] for t in TONES},
        }

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(PAGE, media_type="text/html")

    _add_file_route(app, predictor, max_bytes)
    app.state.predictor = predictor
    return app


def _problem(status: int, message: str):
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": message}, status_code=status)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a body over ``max_bytes``, counted as it arrives (a chunked upload has no Content-Length)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            return await _problem(413, f"request body is {int(length):,} bytes; the limit is {self.max_bytes:,}")(
                scope, receive, send
            )
        seen, started, refused = 0, False, False

        async def counted():
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    if not started:  # answer now; whatever the app sends after this is dropped
                        await _problem(413, f"request body is over the limit of {self.max_bytes:,} bytes")(
                            scope, receive, send
                        )
                    raise _TooLarge
            return message

        async def watched(message):
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, watched)


def _add_limits_and_errors(app, max_bytes: int) -> None:
    """413 above the size limit; every error a JSON body with one ``error`` sentence, never a traceback."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError

    app.add_middleware(BodyLimit, max_bytes=max_bytes)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", []) if p != "body") or "body"
        return _problem(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StanceError)
    async def stance_error(request: Request, exc: StanceError):
        return _problem(400, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        return _problem(500, f"unexpected {type(exc).__name__}; the server log has the details")


def _add_file_route(app, predictor: Predictor, max_bytes: int) -> None:
    from fastapi.responses import StreamingResponse
    from starlette.concurrency import run_in_threadpool

    from classifier.batch import run_batch

    @app.post("/v1/classify/file")
    async def classify_file(file: Annotated[UploadFile, File(description="JSONL, CSV, TSV or Parquet")]):
        """Classify an uploaded file through the batch path; results stream back as JSONL, one row per input row."""
        suffix = Path(file.filename or "").suffix.lower()
        if suffix not in UPLOAD_FORMATS:
            return _problem(415, f"{file.filename!r}: upload a .jsonl, .csv, .tsv or .parquet file")
        data = await file.read(max_bytes + 1)
        if len(data) > max_bytes:
            return _problem(413, f"the upload is over the limit of {max_bytes:,} bytes")
        workdir = tempfile.TemporaryDirectory(prefix="stance-upload-")
        source, target = Path(workdir.name) / f"upload{suffix}", Path(workdir.name) / "results.jsonl"
        source.write_bytes(data)
        try:
            await run_in_threadpool(run_batch, predictor, source, target)
        except StanceError as exc:
            workdir.cleanup()
            return _problem(400, str(exc))
        except BaseException:
            workdir.cleanup()
            raise

        def rows():
            try:
                with open(target, "rb") as fh:
                    yield from fh
            finally:
                workdir.cleanup()

        return StreamingResponse(rows(), media_type="application/x-ndjson")
