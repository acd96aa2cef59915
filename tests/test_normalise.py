import pytest

from classifier.errors import ConfigError, ModelFormatError
from classifier.normalise import Masker, mask


def test_officials_and_dates_are_masked_other_actors_are_not():
    text = (
        "Speaking in Tehran on 3 January 2020, General Salami said Netanyahu and Trump would regret "
        "what they did; Araghchi's deputy repeated it in June 2025 and again on 2024-10-01."
    )
    assert mask(text) == (
        "Speaking in Tehran on [date], General [name] said Netanyahu and Trump would regret "
        "what they did; [name]'s deputy repeated it in [date] and again on [date]."
    )


def test_ambiguous_surnames_need_the_officials_first_name():
    assert mask("The martyr Qassem Soleimani") == "The martyr Qassem Soleimani"
    assert mask("Gholamreza Soleimani of the Basij") == "[name] of the Basij"
    assert mask("Shehbaz Sharif met Ramezan Sharif") == "Shehbaz Sharif met [name]"


def test_numbers_that_are_not_years_stay():
    assert mask("We fired 200 missiles at 3 bases in June.") == "We fired 200 missiles at 3 bases in [date]."
    assert mask("May God grant them patience.") == "May God grant them patience."


TRAINING_TEXT = [
    "the minister said the council would meet and the operation was over",
    "the council and the minister said that we condemn the strike on the city",
    "speaking on television the commander said our forces are ready for any operation to defend security",
    "speaking to reporters the spokesman said the security council must act",
]


def test_names_mode_masks_names_it_has_never_seen_numbers_and_dates():
    masker = Masker.fit("names", TRAINING_TEXT)
    text = (
        "Speaking in Zabol on 3 January 2026, Brigadier Farhad Vaziri said the Security Council and "
        "Qatar's army, with 1,200 troops and 3 ships, would face Operation Northern Dawn; the UN and God will judge."
    )
    assert masker(text) == (
        "Speaking in [name] on [date], [name] said the Security Council and "
        "[name]'s army, with [num] troops and [num] ships, would face Operation [name]; the UN and God will judge."
    )


def test_names_mode_lexicon_needs_two_lower_case_uses_and_round_trips(tmp_path):
    masker = Masker.fit("names", ["the council met", "the council met again", "a minister spoke"])
    assert "council" in masker.lexicon and "minister" not in masker.lexicon
    assert masker("The Council and the Minister") == "The Council and the [name]"
    assert masker.save(tmp_path) == ["mask_lexicon.json"]
    assert Masker.load(tmp_path, {"masking": "names"}) == masker


def test_other_modes_need_no_lexicon_file(tmp_path):
    assert Masker.fit("none", TRAINING_TEXT).save(tmp_path) == []
    assert Masker.load(tmp_path, {"masking": "none"})("Salami in 2024") == "Salami in 2024"
    assert Masker.load(tmp_path, {})("Salami in 2024") == "[name] in [date]"  # models from before the option


def test_unknown_masking_and_missing_lexicon_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown masking 'all'"):
        Masker("all")
    with pytest.raises(ModelFormatError, match=r"mask_lexicon\.json: cannot read the masking lexicon"):
        Masker.load(tmp_path, {"masking": "names"})
