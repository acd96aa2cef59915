"""The blind-sample draw: the shipped parts reproduce, and bad batches are named."""

import json

import pytest

from classifier import paths
from classifier.errors import DataError
from training.blind_sample import blind_sample, main

BATCHES = paths.DATA_DIR / "batches"
ANNOTATION = paths.DATA_DIR / "annotation"


@pytest.mark.parametrize(
    ("part", "seed", "names"),
    [
        (12, 36, [f"x{n}.jsonl" for n in range(67, 73)]),
        (13, 38, [f"held/x{n}.jsonl" for n in range(73, 79)]),
    ],
)
def test_the_shipped_blind_samples_are_this_draw(part, seed, names):
    expected = (ANNOTATION / f"blind_v2_{part}.jsonl").read_text(encoding="utf-8")
    drawn = blind_sample([BATCHES / n for n in names], 20, seed)
    assert "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in drawn) == expected


def test_the_sample_hides_labels_and_mixes_batches(tmp_path):
    files = []
    for b in range(3):
        files.append(tmp_path / f"b{b}.jsonl")
        rows = [
            {"id": f"b{b}-{i}", "text": f"text {b} {i}", "stances": ["neutral"], "tone": "measured"} for i in range(9)
        ]
        files[-1].write_text("".join(json.dumps(r) + "\n" for r in rows))
    drawn = blind_sample(files, 4, seed=1)
    assert all(set(r) == {"id", "text"} for r in drawn)
    assert [sum(r["id"].startswith(f"b{b}-") for r in drawn) for b in range(3)] == [4, 4, 4]
    assert [r["id"][:2] for r in drawn] != sorted(r["id"][:2] for r in drawn)  # shuffled across batches
    assert blind_sample(files, 4, seed=1) == drawn != blind_sample(files, 4, seed=2)


def test_errors_name_the_file_and_line_and_nothing_is_overwritten(tmp_path, capsys):
    short = tmp_path / "short.jsonl"
    short.write_text('{"id": "a", "text": "one"}\n')
    with pytest.raises(DataError, match=r"short\.jsonl: 1 statements, fewer than --per-batch 2"):
        blind_sample([short], 2, seed=0)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "a", "text": "one"}\n{"id": "b"}\n')
    with pytest.raises(DataError, match=r"broken.jsonl, line 2: field 'text'"):
        blind_sample([broken], 1, seed=0)
    out = tmp_path / "handed-out.jsonl"
    out.write_text("kept\n")
    with pytest.raises(SystemExit):
        main([str(short), "--per-batch", "1", "--seed", "3", "--out", str(out)])
    assert out.read_text() == "kept\n" and "exists already" in capsys.readouterr().err
