"""Reputation's rules without I/O: which page is read next, what a consent URL asks for,
and tokens sealed so the database alone does not reveal them."""
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr

from reputation.adapters.token_box import TokenBox, valid_key
from reputation.domain.consent import consent_url
from reputation.domain.reviews import Page, Review, excerpt, is_low, more_pages

AT = datetime(2026, 11, 28, 15, tzinfo=UTC)


def page(n: int, next_token: str | None) -> Page:
    return Page([Review(f"r{i}", f"r{i}", 5, "A", "", AT) for i in range(n)], next_token)


def test_the_next_page_is_read_only_while_every_review_on_this_one_was_new():
    assert more_pages(page(3, "p2"), new=3) == "p2"
    assert more_pages(page(3, "p2"), new=2) is None  # an older review seen: the rest were seen too
    assert more_pages(page(3, None), new=3) is None
    assert more_pages(page(0, "p2"), new=0) is None


def test_a_low_rating_is_at_or_under_the_threshold_and_an_excerpt_is_cut_at_a_word():
    assert is_low(2, 2) and not is_low(3, 2)
    assert excerpt("short") == "short"
    assert len(excerpt("word " * 100)) <= 160 and excerpt("word " * 100).endswith("…")


def test_the_consent_asks_for_business_profile_offline_with_our_state():
    query = parse_qs(urlparse(consent_url("https://accounts.example/auth", "cid", "https://r.example/cb", "st4te")).query)
    assert query["scope"] == ["https://www.googleapis.com/auth/business.manage"]
    assert (query["access_type"], query["prompt"], query["state"]) == (["offline"], ["consent"], ["st4te"])


def test_a_sealed_token_opens_with_its_key_alone():
    sealed = TokenBox("k" * 40).seal("ya29.secret")
    assert b"ya29.secret" not in sealed
    assert TokenBox("k" * 40).open(sealed) == "ya29.secret"
    with pytest.raises(RuntimeError, match="REPUTATION_TOKEN_KEY"):
        TokenBox("j" * 40).open(sealed)
    with pytest.raises(ValueError, match="32 characters"):
        valid_key(SecretStr("too-short"))
