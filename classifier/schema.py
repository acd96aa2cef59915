"""The label schema: the one place where stances, tones and speakers are defined.

Everything else (data validation, both models, metrics, reports, the codebook
test) imports from here, so adding or renaming a label is a one-file change
plus a bump of ``SCHEMA_VERSION``, which makes old model files refuse to load.
"""

from __future__ import annotations

from collections.abc import Sequence

SCHEMA_VERSION = 1

STANCES: tuple[str, ...] = (
    "retaliation_vow",
    "deterrence_warning",
    "sovereignty_claim",
    "condemnation",
    "diplomatic_appeal",
    "de_escalation",
    "solidarity",
    "neutral",
)

TONES: tuple[str, ...] = (
    "hostile",
    "defiant",
    "solemn",
    "measured",
    "conciliatory",
)

SPEAKERS: tuple[str, ...] = (
    "supreme_leader",
    "president",
    "foreign_ministry",
    "irgc",
    "other",
)

SPLITS: tuple[str, ...] = ("train", "validation", "test")

# Where a labelled statement comes from. ``real-derived`` statements are written
# in our own words from one specific real statement (``source_url`` names it);
# ``contrast`` statements change one decisive detail of a partner (``contrast_of``).
ORIGINS: tuple[str, ...] = ("composed", "real-derived", "contrast")
ORIGIN_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "composed": (),
    "real-derived": ("source_url",),
    "contrast": ("contrast_of",),
}

# Whose statement it is; rows without ``actor`` are Iranian. Non-Iranian actors
# (Hezbollah, Hamas, US or Gulf officials ...) always have speaker ``other``.
ACTORS: tuple[str, ...] = ("iranian", "non_iranian")
NON_IRANIAN = "non_iranian"

NEUTRAL = "neutral"

STANCE_DEFINITIONS: dict[str, str] = {
    "retaliation_vow": "promises or threatens a response to a specific act that already happened",
    "deterrence_warning": (
        "forward-looking, usually conditional warning meant to stop a future act, "
        "including displays of capability aimed at an adversary"
    ),
    "sovereignty_claim": (
        "asserts sovereignty, territorial integrity or the inherent right to self-defence; "
        "frames an act as a violation of the country's soil or security"
    ),
    "condemnation": "condemns, accuses or blames an actor for a crime, terrorism or a violation",
    "diplomatic_appeal": (
        "calls on the UN, the Security Council, the OIC, other states or the international "
        "community to act or hold someone accountable"
    ),
    "de_escalation": (
        "restraint or limits: does not seek war, wants stability, backs a ceasefire, "
        "open to talks, a proportionate or limited response"
    ),
    "solidarity": (
        "support for allies, the axis of resistance, Palestinians or Lebanon; mourning, condolences, praise of martyrs"
    ),
    "neutral": "none of these: procedural, factual, protocol, economy",
}

TONE_DEFINITIONS: dict[str, str] = {
    "hostile": "aggressive, insulting or threatening toward an adversary",
    "defiant": "resolute, unyielding, asserting strength or rights, without insults",
    "solemn": "grief, mourning, gravity of loss",
    "measured": "formal, legalistic, diplomatic, calm",
    "conciliatory": "warm, cooperative, peace-seeking, reassuring",
}


# The escalation index of one statement (``classifier.timeline``) is
#     sum_s ESCALATION_STANCE_WEIGHTS[s] * p(s)  +  sum_t ESCALATION_TONE_WEIGHTS[t] * p(t)
# on calibrated probabilities: threats weigh up, restraint and appeals down, mourning and protocol not at all.
# It runs from -1.8 (certain de-escalation, appeal, conciliatory) to +3.0 (every threat stance, hostile);
# a period's index is the mean over its statements. Like CAMEO's Goldstein scale, but for rhetoric.
ESCALATION_STANCE_WEIGHTS: dict[str, float] = {
    "retaliation_vow": 1.0,
    "deterrence_warning": 0.8,
    "condemnation": 0.4,
    "sovereignty_claim": 0.3,
    "diplomatic_appeal": -0.3,
    "de_escalation": -1.0,
    "solidarity": 0.0,
    "neutral": 0.0,
}
ESCALATION_TONE_WEIGHTS: dict[str, float] = {
    "hostile": 0.5,
    "defiant": 0.25,
    "solemn": 0.0,
    "measured": 0.0,
    "conciliatory": -0.5,
}


def schema_dict() -> dict:
    """The schema as saved in every model's metadata and compared on load."""
    return {
        "schema_version": SCHEMA_VERSION,
        "stances": list(STANCES),
        "tones": list(TONES),
    }


def stance_problems(stances: Sequence[str]) -> list[str]:
    """Why a gold stance list breaks the rules; empty when it is valid."""
    problems: list[str] = []
    if not stances:
        problems.append("must list at least one stance")
        return problems
    unknown = [s for s in stances if s not in STANCES]
    for label in unknown:
        problems.append(f"unknown stance {label!r}; valid stances: {', '.join(STANCES)}")
    if NEUTRAL in stances and len(stances) > 1:
        problems.append("'neutral' must stand alone; it cannot be mixed with another stance")
    seen: set[str] = set()
    for label in stances:
        if label in seen:
            problems.append(f"stance {label!r} is listed twice")
        seen.add(label)
    return problems


def tone_problems(tone: object) -> list[str]:
    """Why a gold tone breaks the rules; empty when it is valid."""
    if not isinstance(tone, str):
        return [f"must be one string, got {type(tone).__name__}"]
    if tone not in TONES:
        return [f"unknown tone {tone!r}; valid tones: {', '.join(TONES)}"]
    return []
