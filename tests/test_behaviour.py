"""The behaviour-check runner on a fake predictor with known outputs, and the bundled checks file."""

from __future__ import annotations

import json

import pytest

from classifier.errors import DataError
from classifier.schema import STANCES, TONES
from evaluation.behaviour import (
    DEFAULT_CHECKS,
    expectation_failures,
    invariance_failures,
    load_checks,
    run_checks,
)


class FakePredictor:
    """Answers from a lookup table: text -> (stances, tone); records how it was called."""

    def __init__(self, answers: dict[str, tuple[list[str], str]]):
        self.answers = answers
        self.calls: list[list[str]] = []

    def classify(self, texts):
        self.calls.append(list(texts))
        return [{"stances": list(self.answers[t][0]), "tone": self.answers[t][1]} for t in texts]


CHECKS = {
    "format_version": 1,
    "checks": [
        {
            "name": "negation",
            "kind": "expect",
            "description": "d",
            "cases": [
                {
                    "id": "n1",
                    "text": "no war",
                    "must_include": ["de_escalation"],
                    "primary_not_in": ["retaliation_vow"],
                },
                {
                    "id": "n2",
                    "text": "no war but",
                    "must_include": ["de_escalation"],
                    "primary_not_in": ["retaliation_vow"],
                },
                {"id": "n3", "text": "calm", "must_exclude": ["deterrence_warning"], "tone_in": ["conciliatory"]},
                {"id": "n4", "text": "talks", "primary_in": ["de_escalation"]},
            ],
        },
        {
            "name": "swap",
            "kind": "invariance",
            "description": "d",
            "cases": [
                {"id": "s1", "a": "Zarif said X", "b": "Araghchi said X"},
                {"id": "s2", "a": "Raisi said Y", "b": "Pezeshkian said Y"},
                {"id": "s3", "a": "On 1 May: Z", "b": "On 2 June: Z"},
            ],
        },
        {
            "name": "tone_only",
            "kind": "invariance",
            "description": "d",
            "compare": ["tone"],
            "cases": [
                {"id": "t1", "a": "p", "b": "q"},
            ],
        },
    ],
}

ANSWERS = {
    "no war": (["de_escalation", "deterrence_warning"], "defiant"),  # pass
    "no war but": (["retaliation_vow", "de_escalation"], "hostile"),  # fail: primary not allowed
    "calm": (["de_escalation"], "measured"),  # fail: tone
    "talks": (["de_escalation"], "conciliatory"),  # pass
    "Zarif said X": (["condemnation", "diplomatic_appeal"], "measured"),
    "Araghchi said X": (["condemnation", "diplomatic_appeal"], "measured"),  # pass
    "Raisi said Y": (["solidarity"], "solemn"),
    "Pezeshkian said Y": (["solidarity"], "measured"),  # fail: tone changed
    "On 1 May: Z": (["condemnation", "sovereignty_claim"], "measured"),
    "On 2 June: Z": (["condemnation"], "measured"),  # fail: stance set changed
    "p": (["neutral"], "measured"),
    "q": (["solidarity"], "measured"),  # pass: only tone compared
}


@pytest.fixture
def checks_file(tmp_path):
    path = tmp_path / "checks.json"
    path.write_text(json.dumps(CHECKS), encoding="utf-8")
    return path


def test_exact_pass_rates_on_a_fake_predictor(checks_file):
    fake = FakePredictor(ANSWERS)
    out = run_checks(fake, load_checks(checks_file))
    assert len(fake.calls) == 1  # one batched call for every case
    checks = out["checks"]
    assert (checks["negation"]["passed"], checks["negation"]["n"], checks["negation"]["pass_rate"]) == (2, 4, 0.5)
    assert checks["swap"]["pass_rate"] == pytest.approx(1 / 3)
    assert checks["tone_only"]["pass_rate"] == 1.0
    assert (out["passed"], out["n"]) == (4, 8) and out["pass_rate"] == 0.5
    assert [f["id"] for f in checks["negation"]["failures"]] == ["n2", "n3"]
    assert checks["negation"]["failures"][0]["reasons"] == ["primary retaliation_vow is not allowed"]
    assert checks["negation"]["failures"][1]["reasons"] == ["tone measured not in conciliatory"]
    swap = {f["id"]: f["reasons"] for f in checks["swap"]["failures"]}
    assert swap == {
        "s2": ["tone changed: solemn -> measured"],
        "s3": ["stances changed: condemnation, sovereignty_claim -> condemnation"],
    }


def test_expectation_failures_lists_every_broken_expectation():
    expect = {
        "must_include": ["condemnation"],
        "must_exclude": ["retaliation_vow", "deterrence_warning"],
        "primary_in": ["condemnation"],
        "tone_in": ["measured"],
    }
    assert expectation_failures(expect, ["condemnation"], "measured") == []
    reasons = expectation_failures(expect, ["retaliation_vow", "deterrence_warning"], "hostile")
    assert reasons == [
        "missing condemnation",
        "predicted excluded retaliation_vow, deterrence_warning",
        "primary retaliation_vow not in condemnation",
        "tone hostile not in measured",
    ]


def test_invariance_ignores_the_order_of_secondary_stances():
    a = {"stances": ["condemnation", "sovereignty_claim", "diplomatic_appeal"], "tone": "measured"}
    b = {"stances": ["condemnation", "diplomatic_appeal", "sovereignty_claim"], "tone": "measured"}
    assert invariance_failures(a, b) == []
    c = {"stances": ["sovereignty_claim", "condemnation", "diplomatic_appeal"], "tone": "measured"}
    assert invariance_failures(a, c) == ["primary changed: condemnation -> sovereignty_claim"]


def test_bundled_checks_are_valid_and_sized():
    checks = load_checks(DEFAULT_CHECKS)
    assert len(checks) >= 6
    names = {c.name for c in checks}
    assert {
        "negation_hedging",
        "conditional_vs_past",
        "quoted_adversary_threat",
        "condemnation_without_threat",
        "reported_vs_first_person",
        "speaker_date_invariance",
    } <= names
    for check in checks:
        assert 8 <= len(check.cases) <= 15, check.name
        for case in check.cases:
            for key, labels in case.expect.items():
                assert set(labels) <= set(TONES if key == "tone_in" else STANCES)
            if check.kind == "invariance":
                assert case.texts[0] != case.texts[1]
    texts = [t for c in checks for case in c.cases for t in case.texts]
    assert len(texts) == len(set(texts)), "every case text is distinct"


def test_bundled_conditional_and_past_cases_follow_the_codebook():
    (check,) = [c for c in load_checks() if c.name == "conditional_vs_past"]
    for case in check.cases:
        text = case.texts[0].lower()
        if case.id.startswith("cond"):
            assert case.expect["primary_in"] == ("deterrence_warning",)
            assert "retaliation_vow" in case.expect["must_exclude"]
        else:
            assert case.expect["primary_in"] == ("retaliation_vow",), text


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (lambda c: c["checks"][0]["cases"][0].update(must_include=["revenge"]), "unknown label 'revenge'"),
        (lambda c: c["checks"][0]["cases"][0].update(tone_in=["angry"]), "unknown label 'angry'"),
        (lambda c: c["checks"][0].update(kind="directional"), "kind: must be one of"),
        (lambda c: c["checks"][1]["cases"][0].pop("b"), "b: must be a non-empty string"),
        (lambda c: c["checks"][0]["cases"][3].pop("primary_in"), "states no expectation"),
        (lambda c: c["checks"][2].update(compare=["speaker"]), "unknown aspect 'speaker'"),
        (lambda c: c["checks"][1].update(name="negation"), "duplicate check name"),
    ],
)
def test_invalid_checks_files_name_the_problem(tmp_path, mutation, message):
    data = json.loads(json.dumps(CHECKS))
    mutation(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_checks(path)


def test_missing_or_broken_checks_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_checks(tmp_path / "none.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="invalid JSON"):
        load_checks(tmp_path / "broken.json")
