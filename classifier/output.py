"""Printing classification results: a terminal table, JSON, JSONL or CSV."""

from __future__ import annotations

import csv
import json
import shutil
import textwrap
from collections.abc import Iterable, Iterator
from typing import TextIO

from classifier.batch_output import RESULT_COLUMNS, result_cells

CSV_FIELDS = ["id", "text", *RESULT_COLUMNS]


def csv_row(result: dict) -> dict:
    return {"id": result.get("id", ""), "text": result.get("text", ""), **result_cells(result, result.get("error"))}


def _table(results: list[dict], stream: TextIO) -> None:
    width = max(60, min(shutil.get_terminal_size((100, 20)).columns, 140))
    rule = "-" * width
    for result in results:
        stream.write(f"{rule}\n[{result.get('id', '')}] ")
        stream.write(textwrap.shorten(result.get("text", ""), width=width - 8, placeholder=" ...") + "\n")
        if "error" in result:
            stream.write(f"  ERROR: {result['error']}\n")
            continue
        scores = result["stance_scores"]
        stances = ", ".join(f"{s} {scores[s]:.2f}" for s in result["stances"])
        stream.write(f"  stance: {stances}\n")
        stream.write(f"  tone:   {result['tone']} {result['tone_scores'][result['tone']]:.2f}\n")
        _evidence_lines(result.get("evidence"), result["tone"], width, stream)
        for warning in result.get("warnings", []):
            stream.write(f"  warning: {warning}\n")
    stream.write(f"{rule}\n")


def _evidence_lines(evidence: dict | None, tone: str, width: int, stream: TextIO) -> None:
    if not evidence:
        return
    spans = [*evidence["stances"].items(), (f"tone {tone}", evidence["tone"])]
    for label, found in spans:
        for span in found:
            quote = textwrap.shorten(span["text"], width=width - len(label) - 22, placeholder=" ...")
            stream.write(f'  evidence {label} (+{span["weight"]:.2f}): "{quote}"\n')


def emit(results: Iterable[dict], fmt: str, stream: TextIO) -> int:
    """Write results in ``fmt``; return how many rows carried an error."""
    failed = 0
    if fmt in ("table", "json"):
        results = list(results)
        failed = sum("error" in r for r in results)
        if fmt == "table":
            _table(results, stream)
        else:
            stream.write(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        return failed
    writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for result in results:
        failed += "error" in result
        if writer:
            writer.writerow(csv_row(result))
        else:
            stream.write(json.dumps(result, ensure_ascii=False) + "\n")
        stream.flush()
    return failed


def classify_rows(
    predictor, source: str, input_format: str | None, text_column: str, batch_size: int, *, explain: bool = False
) -> Iterator[dict]:
    """Classify an input file or stdin chunk by chunk, one result per input row, in order."""
    from classifier.batch import chunks, iter_input_rows

    for rows in chunks(iter_input_rows(source, input_format, text_column), batch_size):
        texts = [r.text if r.error is None and r.text is not None else "" for r in rows]
        ids = [str(r.id) for r in rows]
        for row, row_id, result in zip(rows, ids, predictor.classify(texts, ids, explain=explain), strict=True):
            yield {"id": row_id, "text": row.text or "", "error": row.error} if row.error is not None else result
