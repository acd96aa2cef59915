"""Shared fixtures for the evaluation and report tests: an inline mini corpus and two tiny TF-IDF models.

No tests live here; the other ``test_evaluation*``/``test_report*`` files
import the fixtures so the corpus is written in one place. Training both
models takes about a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.config import TfidfConfig

# (stances, tone, phrases): each phrase becomes one statement; keywords repeat within a stance
# so that even a tiny model learns something, but every statement differs.
_GROUPS = [
    (
        ["retaliation_vow"],
        "hostile",
        [
            "The criminals will pay for the assassination of our commander last week",
            "Revenge for the martyr killed in Baghdad is certain and the killers will pay",
            "Our missiles last night were the answer to the attack on our consulate",
            "The blood of the martyrs will be avenged and the criminals will pay",
            "The killers of our general will taste revenge for the assassination",
        ],
    ),
    (
        ["deterrence_warning"],
        "defiant",
        [
            "If the enemy attacks our territory the response will be crushing",
            "Any aggression against Iran will be answered with a stronger blow",
            "Should they make the smallest mistake our response will be crushing",
            "Our new missiles can reach every base if the enemy dares to attack",
            "Any future attack will meet a response far stronger than before",
        ],
    ),
    (
        ["condemnation", "diplomatic_appeal"],
        "measured",
        [
            "We condemn the terrorist attack and urge the Security Council to act",
            "Iran condemns the crime and calls on the United Nations to hold them accountable",
            "The ministry condemned the strike and asked the Security Council to respond",
            "Tehran condemns this violation and urges the United Nations to act now",
            "We strongly condemn the massacre and call on the Security Council to act",
        ],
    ),
    (
        ["de_escalation"],
        "conciliatory",
        [
            "Iran does not seek war and is ready to return to talks with its neighbours",
            "We welcome the ceasefire and want calm and stability in the region",
            "Tehran is open to dialogue and seeks friendship with every neighbour",
            "We do not want escalation and welcome talks for a calm region",
            "Iran is ready for dialogue and supports the ceasefire for regional calm",
        ],
    ),
    (
        ["solidarity"],
        "solemn",
        [
            "Our hearts are with the families of the martyrs in this hour of grief",
            "We offer condolences to the people of Turkey for the earthquake victims",
            "The nation mourns its martyrs with broken hearts and deep grief",
            "Condolences to the grieving families; our hearts mourn with them",
            "We mourn the victims and send condolences to their families in grief",
        ],
    ),
    (
        ["neutral"],
        "measured",
        [
            "The foreign minister will travel to Muscat on Tuesday for a visit",
            "Non-oil exports rose eleven percent in the first half of the year",
            "The cabinet approved the budget bill for the coming year",
            "The minister will visit Baghdad next week to discuss trade",
            "Exports to neighbouring countries rose in the first quarter of the year",
        ],
    ),
]
_SPEAKERS = ("president", "foreign_ministry", "irgc")
_YEARS = ("2020", "2024")
#: split by position within each group: three train, one validation, one test
_SPLITS = ("train", "train", "train", "validation", "test")

#: a test statement full of HTML that every report must escape
HOSTILE_TEXT = 'The <script>alert("pwned")</script> regime & its <b>allies</b> will pay for the attack'


def corpus_rows() -> list[dict]:
    rows = []
    for g, (stances, tone, phrases) in enumerate(_GROUPS):
        for i, phrase in enumerate(phrases):
            rows.append(
                {
                    "id": f"s{g}-{i}",
                    "text": phrase + ".",
                    "stances": stances,
                    "tone": tone,
                    "speaker": _SPEAKERS[(g + i) % len(_SPEAKERS)],
                    "date": f"{_YEARS[i % 2]}-0{1 + i}-1{g}",
                    "split": _SPLITS[i],
                }
            )
    rows.append(
        {
            "id": "html-1",
            "text": HOSTILE_TEXT,
            "stances": ["retaliation_vow"],
            "tone": "hostile",
            "speaker": "irgc",
            "date": "2024-04-14",
            "split": "test",
        }
    )
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def eval_corpus(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "statements.jsonl", corpus_rows())


@pytest.fixture(scope="session")
def eval_models(tmp_path_factory, eval_corpus) -> list[Path]:
    """Two TF-IDF models trained with different settings on the mini corpus."""
    from training.pipeline import train_model

    root = tmp_path_factory.mktemp("models")
    a = train_model("tfidf", eval_corpus, root / "tfidf-default", force=True).path
    b = train_model(
        "tfidf",
        eval_corpus,
        root / "tfidf-words",
        force=True,
        config=TfidfConfig(char_ngrams=(3, 3), stance_c=0.3, tone_c=0.3),
    ).path
    return [a, b]


@pytest.fixture(scope="session")
def eval_results(eval_models, eval_corpus) -> dict:
    """A full comparison on the mini corpus's test split (200 resamples keep it fast)."""
    from evaluation.harness import compare

    return compare(eval_models, eval_corpus, n_resamples=200, seed=3)
