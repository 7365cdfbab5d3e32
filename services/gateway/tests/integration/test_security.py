"""The door's protections, through HTTP: CSRF (token and origin) on every state-changing
request a cookie authenticates, security headers and no inline script on any page, a size
cap on every body, rate limits on logins and writes, and bad input answered with a 4xx that
names the problem."""
from html.parser import HTMLParser

import pytest

from gateway.domain.rate_limits import Limit
from gateway.entrypoints.protection import CONTENT_SECURITY_POLICY
from gateway_testing import bearer, log_in


async def member_is_active(system, world, who: str) -> bool:
    team = await system.api.get(f"/api/v1/clients/{world.a['id']}/members",
                                headers=bearer(await log_in(system, world.phones["x_owner"])))
    return {m["person_id"]: m["active"] for m in team.json()["data"]}[world.person_ids[who]]


async def test_a_cookie_sessions_change_without_the_csrf_token_or_from_another_origin_is_refused(system, world):
    token = await log_in(system, world.phones["a_owner"])
    cookie = {"Cookie": f"revgen_session={token}"}
    ours, csrf = {"Origin": system.url}, {"X-CSRF-Token": system.csrf(token)}
    remove = f"/api/v1/clients/{world.a['id']}/members/{world.person_ids['a_member']}"
    refusals = [
        ({**cookie, **ours}, "CSRF token"),
        ({**cookie, **ours, "X-CSRF-Token": system.csrf(await log_in(system, world.phones["a_admin"]))}, "CSRF token"),
        ({**cookie, **csrf, "Origin": "https://evil.example"}, "cross-origin"),
        ({**cookie, **csrf, "Referer": "https://evil.example/page"}, "cross-origin"),
        ({**cookie, **csrf}, "neither Origin nor Referer"),
    ]
    for headers, reason in refusals:
        refused = await system.api.delete(remove, headers=headers)
        assert refused.status_code == 403 and reason in refused.json()["error"], (headers, refused.text)
    assert await member_is_active(system, world, "a_member")  # nothing changed
    logout_form = await system.api.post("/logout", headers={**cookie, **ours}, data={})
    assert logout_form.status_code == 403 and "CSRF" in logout_form.text
    accepted = await system.api.delete(remove, headers={**cookie, **csrf, "Referer": f"{system.url}/clients/x"})
    assert accepted.status_code == 204


async def test_a_bearer_token_needs_neither_csrf_token_nor_origin(system, world):
    token = await log_in(system, world.phones["a_owner"])
    removed = await system.api.delete(f"/api/v1/clients/{world.a['id']}/members/{world.person_ids['a_admin']}",
                                      headers=bearer(token))
    assert removed.status_code == 204 and not await member_is_active(system, world, "a_admin")


async def test_a_login_form_posted_from_another_site_is_refused(system, world):
    forged = await system.api.post("/login", data={"identifier": world.phones["a_owner"]},
                                   headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "cross-origin" in forged.text


class Inline(HTMLParser):
    """Everything a CSP without 'unsafe-inline' would block: inline script and style, handlers."""

    def __init__(self):
        super().__init__()
        self.found, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in_script = True
            if "src" not in attrs:
                self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag} {name}=")
            if name in ("href", "action", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline script text")


async def test_every_page_has_the_security_headers_and_no_inline_script_or_style(system, world):
    token = await log_in(system, world.phones["a_owner"])
    cookie = {"Cookie": f"revgen_session={token}"}
    pages = [("/login", {}), ("/me", cookie), (f"/clients/{world.a['id']}", cookie), ("/api/v1/docs", {}),
             ("/me", {}), (f"/clients/{world.c['id']}", cookie), ("/no/such/page", {})]
    statuses = []
    for path, headers in pages:
        page = await system.api.get(path, headers=headers)
        statuses.append(page.status_code)
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "'unsafe-inline'" not in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "same-origin"
        assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
        parser = Inline()
        parser.feed(page.text)
        assert parser.found == [], (path, parser.found)
    assert statuses == [200, 200, 200, 200, 401, 404, 404]  # the refusals are pages too, and as clean
    code_page = await system.api.post("/login", data={"identifier": world.phones["a_owner"]},
                                      headers={"Origin": system.url})
    parser = Inline()
    parser.feed(code_page.text)
    assert code_page.status_code == 200 and "Code" in code_page.text and parser.found == []
    api = await system.api.get("/api/v1/me", headers=bearer(token))
    assert api.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_a_body_over_the_cap_is_413_whether_its_length_is_declared_or_streamed(system):
    cap = system.gateway.settings.max_body_bytes
    declared = await system.api.post("/api/v1/auth/otp", content=b"{" + b" " * cap + b"}",
                                     headers={"Content-Type": "application/json"})
    assert declared.status_code == 413 and "too large" in declared.json()["error"]

    async def chunks():
        for _ in range(cap // 65536 + 2):
            yield b" " * 65536

    streamed = await system.api.post("/api/v1/auth/otp", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


@pytest.fixture
def tight_limits(system):
    """The budgets as LOGIN_PER_IDENTIFIER_PER_MINUTE=3 and WRITES_PER_PERSON_PER_MINUTE=2 would set them."""
    limits = system.gateway.limits
    saved = (limits.login_by_identifier.limit, limits.writes_by_person.limit)
    limits.login_by_identifier.limit, limits.writes_by_person.limit = Limit(3, 60.0), Limit(2, 60.0)
    yield
    limits.login_by_identifier.limit, limits.writes_by_person.limit = saved


async def test_logins_per_identifier_and_writes_per_person_are_limited_with_retry_after(system, world, tight_limits):
    token = await log_in(system, world.phones["a_owner"])  # asking for a code and giving it: two of three
    asked = [await system.api.post("/api/v1/auth/otp", json={"identifier": world.phones["a_owner"]})
             for _ in range(2)]
    assert [a.status_code for a in asked] == [202, 429]
    assert 1 <= int(asked[1].headers["Retry-After"]) <= 30
    profile = {"business_name": "Alpha"}
    writes = [await system.api.put(f"/api/v1/clients/{world.a['id']}/profile", json=profile, headers=bearer(token))
              for _ in range(3)]
    assert [w.status_code for w in writes] == [200, 200, 429] and "Retry-After" in writes[2].headers
    other = bearer(await log_in(system, world.phones["x_owner"]))  # a limit per person, not for everyone
    assert (await system.api.put(f"/api/v1/clients/{world.a['id']}/profile", json=profile,
                                 headers=other)).status_code == 200


async def test_bad_input_is_a_4xx_naming_the_problem_never_a_500(system, world):
    headers = bearer(await log_in(system, world.phones["x_owner"]))
    a = world.a["id"]
    cases = [
        ("POST", "/api/v1/auth/otp", {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
         422, "body"),
        ("POST", "/api/v1/auth/otp", {"json": {"identifier": "x", "admin": True}}, 422, "admin"),
        ("POST", "/api/v1/auth/otp/verify", {"json": {"identifier": "x", "login_attempt_id": "1", "code": "12"}},
         422, "login_attempt_id"),
        ("GET", "/api/v1/clients/not-a-uuid", {"headers": headers}, 422, "client_id"),
        ("GET", "/api/v1/clients", {"params": {"limit": 0}, "headers": headers}, 422, "limit"),
        ("GET", "/api/v1/clients", {"params": {"limit": 101}, "headers": headers}, 422, "limit"),
        ("GET", "/api/v1/clients", {"params": {"cursor": "%%%"}, "headers": headers}, 400, "cursor"),
        ("GET", f"/api/v1/clients/{a}/subscriptions", {"params": {"cursor": "e30"}, "headers": headers}, 400, "cursor"),
        ("PUT", f"/api/v1/clients/{a}/profile", {"json": {"business_name": "A", "timezone": "Mars/Base"},
                                                 "headers": headers}, 422, "timezone"),
        ("PUT", f"/api/v1/clients/{a}/profile", {"json": {"business_name": "A", "monthly_limit": 10 ** 30},
                                                 "headers": headers}, 422, "monthly_limit"),
        ("POST", f"/api/v1/clients/{a}/subscriptions", {"json": {"plan_id": "p"}, "headers": headers}, 422,
         "Idempotency-Key"),
        ("POST", "/api/v1/coupons", {"json": {"id": "X1", "percent_off": 10, "amount_off_cents": 5},
                                     "headers": bearer(await log_in(system, world.phones["operator"]))}, 422,
         "exactly one"),
        ("POST", f"/api/v1/clients/{a}/automations/nonsense", {"json": {"run_id": "r", "template": "t"},
                                                               "headers": headers}, 422, "kind"),
    ]
    for method, path, options, status, named in cases:
        answer = await system.api.request(method, path, **options)
        assert answer.status_code == status, (path, answer.text)
        assert named.lower() in answer.text.lower(), (path, answer.text)
