"""The review queue: prefilled labelled rows, most worth a look first, readable as training data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from classifier.cli import cli
from classifier.corpus import read_statements
from classifier.predictor import Predictor
from classifier.review import rank_for_review
from tests.test_batch import statements


def _classify(model_dir, tmp_path, name="classified.jsonl"):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": f"s{i}", "text": t, "speaker": "irgc", "date": "2024-04-0" + str(1 + i % 9)}) + "\n"
            for i, t in enumerate(statements(60))
        )
        + '{"id": "empty", "text": ""}\n',
        encoding="utf-8",
    )
    out = tmp_path / name
    CliRunner().invoke(cli, ["classify", "--model", str(model_dir), "--input", str(src), "--output", str(out)])
    return out


def test_queue_is_labelled_data_prefilled_and_ranked(tfidf_model_dir, tmp_path):
    classified = _classify(tfidf_model_dir, tmp_path)
    queue = tmp_path / "queue.jsonl"
    result = CliRunner().invoke(
        cli,
        [
            "review",
            "select",
            "--input",
            str(classified),
            "--k",
            "10",
            "--out",
            str(queue),
            "--model",
            str(tfidf_model_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 10 and all(r["review_reason"] for r in rows)
    priorities = [r["review_priority"] for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    assert all(r["speaker"] == "irgc" and r["id"] != "empty" for r in rows)
    assert len(read_statements(queue)) == 10  # straight into `stance train --data`
    predicted = {json.loads(line)["id"]: json.loads(line) for line in classified.read_text().splitlines()}
    assert all(r["stances"] == predicted[r["id"]]["stances"] and r["tone"] == predicted[r["id"]]["tone"] for r in rows)


def test_a_second_model_that_disagrees_moves_rows_up(tfidf_model_dir, tmp_path):
    classified = _classify(tfidf_model_dir, tmp_path)
    other = tmp_path / "other.jsonl"
    rows = [json.loads(line) for line in classified.read_text().splitlines()]
    flipped = {r["id"] for r in rows[:5]}
    with other.open("w", encoding="utf-8") as fh:
        for r in rows:
            if r["id"] in flipped:
                r = {
                    **r,
                    "stances": ["neutral"] if "neutral" not in r["stances"] else ["condemnation"],
                    "tone": "solemn",
                }
            fh.write(json.dumps(r) + "\n")
    thresholds = Predictor.load(tfidf_model_dir).thresholds
    frame, candidates = rank_for_review(classified, thresholds=thresholds, compare=other)
    top = {frame.iloc[c.row]["id"] for c in candidates[:5]}
    assert top == flipped
    assert any("models disagree" in reason for c in candidates[:5] for reason in c.reasons)


def test_rows_without_ids_in_csv_output_get_line_ids_and_valid_json(tfidf_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "".join(f'"{t}"\n' for t in statements(20)), encoding="utf-8")
    out = tmp_path / "classified.csv"
    CliRunner().invoke(cli, ["classify", "--model", str(tfidf_model_dir), "--input", str(src), "--output", str(out)])
    queue = tmp_path / "queue.jsonl"
    result = CliRunner().invoke(cli, ["review", "select", "--input", str(out), "--k", "5", "--out", str(queue)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()]  # no NaN anywhere
    assert rows and all(str(r["id"]).startswith("line-") or isinstance(r["id"], int | str) for r in rows)
