"""One E.164 form and one token hash for every service (they travel between services)."""
import pytest

from identity.domain.identifiers import InvalidIdentifier, normalise_identifier
from revgen_common.phones import InvalidPhone, normalize
from revgen_common.tokens import new_token, token_hash


@pytest.mark.parametrize("typed", ["+1 (415) 555-0100", "415.555.0100", "＋１４１５５５５０１００", "+١٤١٥٥٥٥٠١٠٠"])
def test_one_number_typed_any_way_is_one_e164_number_in_every_service(typed):
    assert normalize(typed) == normalise_identifier(typed) == "+14155550100"


@pytest.mark.parametrize("typed", ["", "12", "+1 415 555", "call me", "+999 1234567"])
def test_what_is_not_a_valid_number_is_refused_naming_it(typed):
    with pytest.raises(InvalidPhone, match="phone number"):
        normalize(typed)
    with pytest.raises(InvalidIdentifier):
        normalise_identifier(typed)


def test_a_token_is_stored_as_its_hash_which_differs_per_token():
    first, second = new_token(), new_token(24)
    assert len(first) >= 43 and len(second) >= 32 and first != second
    assert token_hash(first) == token_hash(first) != token_hash(second) and len(token_hash(first)) == 32
