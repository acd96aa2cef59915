import re

from classifier import paths
from classifier.schema import SPEAKERS, STANCES, TONES, schema_dict, stance_problems, tone_problems


def _codebook_headings(level: str) -> list[str]:
    text = (paths.DATA_DIR / "CODEBOOK.md").read_text(encoding="utf-8")
    return re.findall(rf"^{level} (\w+)\s*$", text, flags=re.M)


def test_codebook_defines_exactly_the_schema_labels_in_order():
    labels = _codebook_headings("###")
    assert labels == [*STANCES, *TONES]


def test_codebook_holds_the_decision_rules_the_issue_names():
    text = (paths.DATA_DIR / "CODEBOOK.md").read_text(encoding="utf-8").lower()
    for pair in (
        "retaliation_vow vs deterrence_warning",
        "condemnation vs sovereignty_claim",
        "defiant vs hostile",
        "measured vs conciliatory",
        "de_escalation vs neutral",
    ):
        assert pair in text


def test_schema_dict_is_what_models_save():
    assert schema_dict() == {"schema_version": 1, "stances": list(STANCES), "tones": list(TONES)}
    assert "other" in SPEAKERS


def test_stance_rules():
    assert stance_problems(["condemnation", "diplomatic_appeal"]) == []
    assert stance_problems([]) == ["must list at least one stance"]
    assert stance_problems(["neutral", "condemnation"]) == [
        "'neutral' must stand alone; it cannot be mixed with another stance"
    ]
    (unknown,) = stance_problems(["threat"])
    assert unknown.startswith("unknown stance 'threat'; valid stances: retaliation_vow, deterrence_warning")
    assert stance_problems(["solidarity", "solidarity"]) == ["stance 'solidarity' is listed twice"]


def test_tone_rules():
    assert tone_problems("solemn") == []
    assert tone_problems("angry") == [
        "unknown tone 'angry'; valid tones: hostile, defiant, solemn, measured, conciliatory"
    ]
    assert tone_problems(["hostile"]) == ["must be one string, got list"]
