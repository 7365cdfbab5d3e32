"""The whisper's words: the business, then the caller by name, or their number digit by digit."""
from voice.domain.whispers import spoken_number, whisper_text


def test_a_caller_known_by_name_is_announced_by_name():
    assert whisper_text("Acme Plumbing", "Jane Doe", "+15550001234") == "Call for Acme Plumbing from Jane Doe."


def test_an_unknown_caller_is_announced_by_number_in_groups_without_the_country_code():
    assert whisper_text("Acme Plumbing", None, "+15550001234") == "Call for Acme Plumbing from 5 5 5, 0 0 0, 1 2 3 4."
    assert spoken_number("+442071838750") == "4 4 2 0 7 1 8 3 8 7 5 0"


def test_without_the_business_name_the_whisper_still_says_who_is_calling():
    assert whisper_text(None, "Jane Doe", "+15550001234") == "Incoming call from Jane Doe."
