"""Shared fixtures: an inline mini-corpus, a tiny trained TF-IDF model, isolated paths.

Every test runs offline with its files under ``tmp_path``; the autouse fixture
points the models directory at a temporary folder so nothing touches the
working tree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# (text, stances, tone, split) — written for these tests, in our own words
MINI = [
    (
        "Those who struck our consulate will receive a punishing answer; the blood of our commanders will be avenged.",
        ["retaliation_vow"],
        "hostile",
    ),
    (
        "Tonight's missile operation is our response to the assassination carried out in Tehran.",
        ["retaliation_vow"],
        "defiant",
    ),
    (
        "The killers of the martyr will not escape: revenge for his blood is certain.",
        ["retaliation_vow", "solidarity"],
        "hostile",
    ),
    ("We will answer the attack on our diplomats at a time and place of our choosing.", ["retaliation_vow"], "defiant"),
    (
        "The Guards announced that the drone and missile wave was retribution for the strike on Damascus.",
        ["retaliation_vow"],
        "defiant",
    ),
    ("Should the enemy make any mistake, our reply will be swift and far-reaching.", ["deterrence_warning"], "defiant"),
    (
        "Any aggression against our territory will meet a crushing response, the commander warned.",
        ["deterrence_warning"],
        "hostile",
    ),
    (
        "Our new long-range missiles can reach every base the adversary has in the region.",
        ["deterrence_warning"],
        "defiant",
    ),
    ("If they attack our nuclear sites, they will regret it for decades.", ["deterrence_warning"], "hostile"),
    (
        "We do not seek war, but anyone who tests our resolve will face a heavy price.",
        ["deterrence_warning", "de_escalation"],
        "defiant",
    ),
    (
        "The strike on our embassy compound was a violation of Iranian sovereignty and territory.",
        ["sovereignty_claim", "condemnation"],
        "measured",
    ),
    (
        "Iran reserves its inherent right to self-defence under Article 51 of the Charter.",
        ["sovereignty_claim"],
        "measured",
    ),
    ("No foreign power may decide with whom we trade our oil.", ["sovereignty_claim"], "defiant"),
    (
        "The three islands are an inseparable part of Iranian territory and not open to negotiation.",
        ["sovereignty_claim"],
        "defiant",
    ),
    ("Our right to enrich uranium on our own soil is not up for discussion.", ["sovereignty_claim"], "defiant"),
    ("We strongly condemn the terrorist bombing that killed worshippers in Kerman.", ["condemnation"], "solemn"),
    ("Washington bears full responsibility for this crime against civilians.", ["condemnation"], "hostile"),
    ("The ministry denounced the raid on the hospital as a war crime.", ["condemnation"], "measured"),
    ("This child-killing regime has once again shown its criminal nature.", ["condemnation"], "hostile"),
    ("Tehran condemned the sanctions as collective punishment of ordinary people.", ["condemnation"], "measured"),
    (
        "We urge the Security Council to shoulder its responsibility and stop this aggression.",
        ["diplomatic_appeal"],
        "measured",
    ),
    (
        "Iran's envoy wrote to the Secretary-General asking the UN to hold the attackers accountable.",
        ["diplomatic_appeal", "condemnation"],
        "measured",
    ),
    (
        "The Islamic countries must act together at the OIC to end the siege of Gaza.",
        ["diplomatic_appeal", "solidarity"],
        "defiant",
    ),
    ("We call on the IAEA to condemn the attack on safeguarded facilities.", ["diplomatic_appeal"], "measured"),
    ("The international community cannot stay silent; it must act now.", ["diplomatic_appeal"], "defiant"),
    ("Iran has no wish to widen the conflict and welcomes the ceasefire.", ["de_escalation"], "conciliatory"),
    ("We are ready to return to talks if the other side shows good faith.", ["de_escalation"], "conciliatory"),
    (
        "Our response was limited and proportionate, and the matter can be considered concluded.",
        ["de_escalation", "retaliation_vow"],
        "measured",
    ),
    ("The president told neighbours that Tehran wants a calm and stable region.", ["de_escalation"], "conciliatory"),
    ("The talks in Muscat were constructive and we will continue them.", ["de_escalation"], "conciliatory"),
    ("Our hearts are with the oppressed people of Gaza.", ["solidarity"], "solemn"),
    ("We offer our condolences to the people of Turkey for the victims of the earthquake.", ["solidarity"], "solemn"),
    ("The nation bids farewell to its martyred president with broken hearts.", ["solidarity"], "solemn"),
    ("The resistance in Lebanon will not be left alone; we stand with it.", ["solidarity"], "defiant"),
    ("Iran will always stand by its friends in the axis of resistance.", ["solidarity"], "defiant"),
    ("The foreign minister will travel to Muscat on Tuesday.", ["neutral"], "measured"),
    ("Non-oil exports rose eleven percent in the first half of the year.", ["neutral"], "measured"),
    ("The cabinet approved the budget bill for the coming year.", ["neutral"], "measured"),
    ("The first group of pilgrims left for Medina this morning.", ["neutral"], "measured"),
    ("The two ministers discussed expanding rail links and customs cooperation.", ["neutral"], "conciliatory"),
]


def mini_rows() -> list[dict]:
    rows = []
    for i, (text, stances, tone) in enumerate(MINI):
        split = "validation" if i % 5 == 4 else "train"
        rows.append(
            {
                "id": f"m{i:03d}",
                "text": text,
                "stances": stances,
                "tone": tone,
                "split": split,
                "speaker": "foreign_ministry",
                "date": f"20{19 + i % 7}-0{1 + i % 9}",
            }
        )
    return rows


def write_jsonl(path: Path, rows: list) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def heavy_modules_imported_by_classifying(model_dir: Path) -> list[str]:
    """Which of torch, transformers and sklearn a fresh process imports to classify with ``model_dir``."""
    import subprocess
    import sys

    code = (
        "import json, sys; from classifier.predictor import Predictor; "
        f"Predictor.load({str(model_dir)!r}).classify(['We condemn this.']); "
        "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'sklearn') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("STANCE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("STANCE_DEBUG", raising=False)


@pytest.fixture(scope="session")
def mini_corpus(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "mini.jsonl", mini_rows())


@pytest.fixture(scope="session")
def tfidf_model_dir(tmp_path_factory, mini_corpus) -> Path:
    from training.pipeline import train_model

    return train_model("tfidf", mini_corpus, tmp_path_factory.mktemp("models") / "tfidf").path
