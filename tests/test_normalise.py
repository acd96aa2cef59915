from classifier.normalise import mask


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
