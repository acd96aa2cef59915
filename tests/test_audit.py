"""The label audit finds labels we planted wrong, and the CLI writes its ranking."""

from __future__ import annotations

import itertools
import json
import random

from click.testing import CliRunner

from classifier.cli import cli
from classifier.config import TfidfConfig
from classifier.corpus import Statement
from classifier.models.tfidf import TfidfModel
from classifier.schema import STANCES, TONES
from tests.conftest import MINI, write_jsonl
from training.audit import audit

FRAMES = [
    "{}",
    "The spokesman said: {}",
    "According to state media, {}",
    "{} the official added.",
    "In remarks on Sunday: {}",
    "A senior official told reporters that {}",
    "{} This was repeated in a later interview.",
    "Officials were quoted as saying: {}",
]


def _corpus(n_flips: int, seed: int = 3) -> tuple[list[Statement], set[str]]:
    """Every MINI statement in eight framings, each in its own event; ``n_flips`` labels planted wrong."""
    rng = random.Random(seed)
    statements = []
    for i, (text, stances, tone) in enumerate(MINI):
        for k, frame in enumerate(FRAMES):
            event = f"e{k}-{i % 6}"  # the framings of one statement sit in different events
            statements.append(Statement(frame.format(text), tuple(stances), tone, id=f"s{i}-{k}", event=event))
    flipped = set()
    for idx in rng.sample(range(len(statements)), n_flips):
        s = statements[idx]
        stance = rng.choice([x for x in STANCES if x not in s.stances and x != "neutral"])
        tone = rng.choice([t for t in TONES if t != s.tone])
        statements[idx] = Statement(text=s.text, stances=(stance,), tone=tone, id=s.id, event=s.event)
        flipped.add(s.id)
    return statements, flipped


def test_planted_flips_rank_near_the_top():
    statements, flipped = _corpus(n_flips=12)
    rows = audit(statements, lambda: TfidfModel(TfidfConfig(min_df=1)), n_folds=4)
    assert [r.rank for r in rows] == list(range(1, len(statements) + 1))
    assert all(a.suspicion >= b.suspicion for a, b in itertools.pairwise(rows))
    top = {r.id for r in rows[: 2 * len(flipped)]}
    found = len(top & flipped)
    assert found >= 0.75 * len(flipped), f"only {found} of {len(flipped)} planted flips in the top {2 * len(flipped)}"
    first = next(r for r in rows if r.id in flipped)
    assert first.doubts and any(d.startswith(("missing", "doubtful", "tone")) for d in first.doubts)


def test_cli_writes_ranked_jsonl(tmp_path):
    statements, _ = _corpus(n_flips=4)
    data = write_jsonl(tmp_path / "data.jsonl", [s.to_dict() for s in statements])
    out = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(cli, ["data", "audit", str(data), "--out", str(out), "--top", "20", "--folds", "3"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 20 and rows[0]["rank"] == 1
    fields = {"id", "line", "suspicion", "stances", "tone", "suspected_stances", "suspected_tone", "doubts"}
    assert fields <= set(rows[0])
    assert "most suspicious first" in result.output
