"""The pure rules of the door: CSRF tokens and origins, rate limits, where to go after login,
the list cursor, and how the docs page reads a schema."""
import pytest

from gateway.domain.csrf import csrf_matches, csrf_token, origin_of, sent_from
from gateway.domain.rate_limits import Limit, RateLimiter, identifier_key
from gateway.entrypoints.api.docs import type_of
from gateway.entrypoints.ui.render import local_path
from revgen_common.pagination import InvalidCursor, decode_cursor, encode_cursor, next_cursor


def test_a_csrf_token_belongs_to_one_session_and_one_secret():
    token = csrf_token(b"secret-1", "session-a")
    assert csrf_matches(b"secret-1", "session-a", token)
    assert not csrf_matches(b"secret-1", "session-b", token)
    assert not csrf_matches(b"secret-2", "session-a", token)
    assert not csrf_matches(b"secret-1", "session-a", None)
    assert not csrf_matches(b"secret-1", "session-a", "")
    assert not csrf_matches(b"secret-1", "session-a", "\udcff")  # a lone surrogate is refused, not a crash


def test_the_origin_of_a_request_is_its_origin_header_else_its_referer():
    assert origin_of("HTTPS://Admin.Example:443/x?y") == "https://admin.example"
    assert origin_of("http://127.0.0.1:8085/me") == "http://127.0.0.1:8085"
    assert sent_from("https://evil.example", "https://admin.example/me") == "https://evil.example"
    assert sent_from(None, "https://admin.example/me") == "https://admin.example"
    assert sent_from("null", None) is None and sent_from(None, None) is None


def test_a_key_spends_its_burst_then_waits_one_interval_per_request():
    now = [100.0]
    limiter = RateLimiter(Limit(3, 60.0), monotonic=lambda: now[0])
    assert [limiter.take("ann") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("ann") == pytest.approx(20.0)  # one request every 20 s after the burst
    assert limiter.take("bob") == 0.0  # keys are independent
    now[0] += 20.0
    assert limiter.take("ann") == 0.0
    assert limiter.take("ann") > 0


def test_a_flood_of_distinct_keys_keeps_the_limiter_bounded():
    limiter = RateLimiter(Limit(1, 60.0), monotonic=lambda: 0.0, max_keys=100)
    for i in range(1000):
        limiter.take(f"k{i}")
    assert len(limiter._ready_at) <= 100


def test_one_phone_number_is_one_key_however_it_is_written():
    assert identifier_key("+1 (415) 555-0100") == identifier_key("+14155550100") == "14155550100"
    assert identifier_key(" Ann@Example.com ") == "ann@example.com"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                    "me", ""])
def test_after_login_a_person_goes_only_to_a_path_on_this_site(target):
    assert local_path(target) == "/me"


def test_a_local_path_is_kept():
    assert local_path("/clients/42?cursor=x") == "/clients/42?cursor=x"


def test_a_cursor_round_trips_and_anything_else_is_refused_with_the_same_error():
    cursor = encode_cursor("Ace Plumbing", "5d0f6c1e-8f3b-4d6a-9a51-2f8d7e0c1b3a")
    assert decode_cursor(cursor, 2) == ("Ace Plumbing", "5d0f6c1e-8f3b-4d6a-9a51-2f8d7e0c1b3a")
    for bad in ["not base64!", encode_cursor("only-one"), "e30", "W10", "x" * 600, "WzEsMl0"]:  # {} , [], [1,2]
        with pytest.raises(InvalidCursor):
            decode_cursor(bad, 2)


def test_the_next_cursor_is_the_last_row_of_a_full_page_and_none_on_the_last_page():
    rows = [("a", "1"), ("b", "2"), ("c", "3")]
    assert decode_cursor(next_cursor(rows, 2, lambda r: r), 2) == ("b", "2")
    assert next_cursor(rows[:2], 2, lambda r: r) is None


def test_the_docs_page_reads_a_schema_as_one_phrase():
    assert type_of({"type": "string", "format": "uuid"}) == "string (uuid)"
    assert type_of({"type": "array", "items": {"$ref": "#/components/schemas/Member"}}) == "array of Member"
    assert type_of({"anyOf": [{"type": "integer", "maximum": 100}, {"type": "null"}]}) == "integer (≤ 100) or null"
    assert type_of({"enum": ["won", "lost"]}) == "one of 'won', 'lost'"
    assert type_of({"type": "object", "additionalProperties": True}) == "map to any"
    assert type_of({"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]}) == \
        "pair of string and string"


def test_behind_https_the_session_cookie_is_secure_and_it_is_always_httponly_and_lax():
    from fastapi.responses import Response

    from gateway.bootstrap import build
    from gateway.entrypoints.ui.render import with_session_cookie
    from gateway.settings import GatewaySettings

    urls = {f"{s}_url": f"http://{s}.internal" for s in ("identity", "billing", "messaging", "escalation", "voice")}
    tokens = {f"{s}_api_token": f"token-of-{s}" for s in ("identity", "billing", "messaging", "escalation", "voice")}
    for public, secure in (("https://admin.revgen.example", True), ("http://127.0.0.1:8085", False)):
        gateway = build(GatewaySettings(kafka_bootstrap_servers="k:9092", gateway_public_url=public,
                                        csrf_secret="csrf-secret-value", **urls, **tokens))
        cookie = with_session_cookie(Response(), "tok", 3600, gateway.secure_cookies).headers["set-cookie"]
        assert ("Secure" in cookie) is secure
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=3600" in cookie
