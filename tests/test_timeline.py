"""The timeline finds a trend planted in synthetic classified output, and a jump, and reads every format."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from classifier.cli import cli
from classifier.errors import DataError
from classifier.schema import ESCALATION_STANCE_WEIGHTS, ESCALATION_TONE_WEIGHTS, STANCES, TONES
from classifier.timeline import build_timeline, statement_index


def _row(rng, day: dt.date, speaker: str, threat: float) -> dict:
    """A classified statement whose threat stances carry probability about ``threat``."""
    p = {s: float(np.clip(rng.normal(0.1, 0.03), 0, 1)) for s in STANCES}
    for s in ("retaliation_vow", "deterrence_warning"):
        p[s] = float(np.clip(threat + rng.normal(0, 0.05), 0, 1))
    p["de_escalation"] = float(np.clip(1 - threat + rng.normal(0, 0.05), 0, 1))
    hostile = float(np.clip(threat, 0.05, 0.9))
    tones = {"hostile": hostile, "defiant": 0.05, "solemn": 0.05, "measured": 0.85 - hostile, "conciliatory": 0.05}
    return {
        "id": f"{speaker}-{day}",
        "date": day.isoformat(),
        "speaker": speaker,
        "text": "...",
        "stances": ["neutral"],
        "stance_scores": p,
        "tone": "measured",
        "tone_scores": tones,
    }


def synthetic(path, *, weeks: int = 24, jump_week: int | None = None) -> None:
    """irgc escalates steadily; the foreign ministry stays flat, except a sharp jump at ``jump_week``."""
    rng = np.random.default_rng(1)
    start = dt.date(2024, 1, 1)
    rows = []
    for w in range(weeks):
        for k in range(12):
            day = start + dt.timedelta(weeks=w, days=k % 5)
            rows.append(_row(rng, day, "irgc", 0.1 + 0.8 * w / (weeks - 1)))
            rows.append(_row(rng, day, "foreign_ministry", 0.9 if w == jump_week else 0.3))
    rows.append({"id": "bad", "date": "not a date", "speaker": "irgc", "text": "x", "error": "line 9: empty text"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_a_planted_trend_rises_and_a_flat_series_stays_flat(tmp_path):
    synthetic(tmp_path / "classified.jsonl")
    table = build_timeline(tmp_path / "classified.jsonl", by="speaker", freq="week").table
    irgc = table[table["speaker"] == "irgc"]
    fm = table[table["speaker"] == "foreign_ministry"]
    assert len(irgc) == 24 and (irgc["n"] == 12).all()
    rho = pd.Series(irgc["escalation_index"].to_numpy()).corr(pd.Series(range(24)), method="spearman")
    assert rho > 0.95
    assert irgc["escalation_index"].iloc[-1] - irgc["escalation_index"].iloc[0] > 1.0
    assert fm["escalation_index"].std() < 0.1
    assert (table["escalation_low"] <= table["escalation_index"]).all()
    assert (table["escalation_index"] <= table["escalation_high"]).all()
    assert {f"p_{s}" for s in STANCES} | {f"tone_{t}" for t in TONES} <= set(table.columns)
    assert table["period"].iloc[0] == "2024-01-01"  # a Monday: weeks start on Monday


def test_a_jump_is_flagged_and_a_steady_series_is_not(tmp_path):
    synthetic(tmp_path / "classified.jsonl", jump_week=15)
    table = build_timeline(tmp_path / "classified.jsonl", freq="week").table
    fm = table[table["speaker"] == "foreign_ministry"].reset_index(drop=True)
    assert fm.loc[15, "flag"] == "rise"
    assert (fm.drop(index=[15, 16])["flag"] == "").all()


def test_statement_index_uses_the_schema_weights():
    stance = np.eye(len(STANCES))
    tone = np.tile(np.eye(len(TONES))[[3]], (len(STANCES), 1))  # measured: weight 0
    assert list(statement_index(stance, tone)) == [ESCALATION_STANCE_WEIGHTS[s] for s in STANCES]
    hostile = np.eye(len(TONES))[[0]]
    assert statement_index(np.zeros((1, len(STANCES))), hostile)[0] == ESCALATION_TONE_WEIGHTS["hostile"]


def test_cli_writes_csv_png_and_self_contained_html_from_csv_output(tmp_path):
    synthetic(tmp_path / "classified.jsonl", jump_week=15)
    rows = [json.loads(line) for line in (tmp_path / "classified.jsonl").read_text().splitlines()]
    flat = [
        {
            **{k: r[k] for k in ("id", "date", "speaker")},
            "error": r.get("error", ""),
            **({f"score_{s}": r["stance_scores"][s] for s in STANCES} if "stance_scores" in r else {}),
            **({f"tone_{t}": r["tone_scores"][t] for t in TONES} if "tone_scores" in r else {}),
        }
        for r in rows
    ]
    pd.DataFrame(flat).to_csv(tmp_path / "classified.csv", index=False)
    events = tmp_path / "events.csv"
    events.write_text("date,label\n2024-04-15,ceasefire talks\n", encoding="utf-8")
    out = tmp_path / "tl"
    result = CliRunner().invoke(
        cli,
        [
            "timeline",
            "--input",
            str(tmp_path / "classified.csv"),
            "--by",
            "speaker",
            "--freq",
            "week",
            "--out",
            str(out),
            "--events",
            str(events),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "48 periods over 2 groups" in result.output and "1 not classified" in result.output
    table = pd.read_csv(out / "timeline.csv")
    assert list(table.columns[:6]) == [
        "speaker",
        "period",
        "n",
        "escalation_index",
        "escalation_low",
        "escalation_high",
    ]
    assert (out / "timeline.png").read_bytes()[:4] == b"\x89PNG"
    page = (out / "timeline.html").read_text()
    assert "data:image/png;base64," in page and "http://" not in page and "https://" not in page


def test_missing_columns_are_named(tmp_path):
    synthetic(tmp_path / "classified.jsonl")
    with pytest.raises(DataError, match="no 'desk' column"):
        build_timeline(tmp_path / "classified.jsonl", by="desk")
