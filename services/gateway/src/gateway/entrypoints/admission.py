"""The door every route goes through: who is calling, is the request theirs, may they do it.

In order, for a route's rule (domain/rules.py):
1. a state-changing request whose Origin/Referer names another site: 403;
2. no session (rules other than Public and ClaimLink): 401;
3. a cookie session changing state: Origin or Referer must be ours AND the CSRF token must
   be this session's, else 403 (a bearer token needs neither: no other site can send one);
4. writes and logins over their rate: 429 with Retry-After;
5. identity's decision (cached, service_layer/access.py): 401 expired or signed out, 404
   cannot see the client (or agency, or object), 403 sees it but may not act.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from fastapi import Request

from gateway.domain.csrf import csrf_matches, csrf_token, sent_from
from gateway.domain.decisions import Decision, Outcome, Unauthenticated
from gateway.domain.rate_limits import RateLimiter
from gateway.domain.rules import InAgency, OnClient, OnClientOf, OnPlatform, Open, Public, Rule, SessionRule, SignedIn
from revgen_common.client_address import client_address

if TYPE_CHECKING:  # bootstrap imports the routes, which import this module: no import back at run time
    from gateway.bootstrap import Gateway

SESSION_COOKIE = "revgen_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Via = Literal["bearer", "cookie"]


class Refusal(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None, clear_cookie: bool = False):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}
        self.clear_cookie = clear_cookie


@dataclass(frozen=True)
class Visitor:
    """Whoever an open door (Public, ClaimLink) lets in: nobody asked them who they are."""
    address: str | None


@dataclass(frozen=True)
class Caller(Visitor):
    """A signed-in person: what every other rule admits, so the session is there to pass on."""
    token: str = field(repr=False)  # a bearer secret: never in a log line or a traceback
    via: Via
    person_id: str
    client_id: str | None = None  # the client the route touches, when it touches one
    csrf: str | None = field(default=None, repr=False)  # what this session's forms carry (cookie sessions)


@dataclass(frozen=True)
class Credential:
    token: str = field(repr=False)
    via: Via


def credentials(request: Request) -> Credential | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return Credential(token.strip(), "bearer")
    cookie = request.cookies.get(SESSION_COOKIE)
    return Credential(cookie, "cookie") if cookie else None


def admit(rule: Rule):
    """The FastAPI dependency that enforces `rule` (the route table adds it to each route)."""
    async def admitted(request: Request) -> Visitor:
        # Itself a dependency; dependencies.py imports Caller from here, so it reads the gateway directly.
        gw: Gateway = request.app.state.gateway
        visitor = await _admit(request, rule, gw)
        request.state.caller = visitor
        return visitor
    return admitted


def take(limiter: RateLimiter, key: str | None, what: str) -> None:
    wait = limiter.take(key or "unknown")
    if wait > 0:
        raise Refusal(429, f"too many {what}: try again in {math.ceil(wait)} s",
                      headers={"Retry-After": str(math.ceil(wait))})


async def _admit(request: Request, rule: Rule, gw: Gateway) -> Visitor:
    address = client_address(request, gw.settings.trusted_proxies)
    writes = request.method not in SAFE_METHODS
    said = sent_from(request.headers.get("origin"), request.headers.get("referer"))
    if writes and said is not None and said != gw.public_origin:
        raise Refusal(403, f"cross-origin request refused: it comes from {said}, not {gw.public_origin}")
    if isinstance(rule, Open):
        if writes:
            take(gw.limits.login_by_address if isinstance(rule, Public) and rule.login else gw.limits.writes_by_address,
                 address, "attempts from your address")
        return Visitor(address)
    return await _sign_in(request, rule, gw, address, writes, said)


async def _sign_in(request: Request, rule: SessionRule, gw: Gateway, address: str | None, writes: bool,
                   said: str | None) -> Caller:
    """Steps 2 to 5 of the door: the session, its CSRF token, the rate, identity's decision."""
    credential = credentials(request)
    if credential is None:
        raise Refusal(401, "sign in first: this needs a session (a cookie, or Authorization: Bearer)")
    if writes and credential.via == "cookie":
        await _same_site_form(request, gw, credential.token, said)
    if writes:
        take(gw.limits.writes_by_address, address, "changes from your address")
    session, decision, client_id = await _decide(request, rule, gw, credential)
    if decision.outcome is Outcome.NOT_FOUND:
        raise Refusal(404, "not found")
    if decision.outcome is Outcome.FORBIDDEN:
        needs = "" if isinstance(rule, SignedIn) else f": it needs {rule.permission.value}"
        raise Refusal(403, f"you may not do this here{needs}")
    if writes:
        take(gw.limits.writes_by_person, session.person_id, "changes from you")
    return Caller(address, credential.token, credential.via, session.person_id, client_id,
                  csrf_token(gw.csrf_secret, credential.token) if credential.via == "cookie" else None)


async def _same_site_form(request: Request, gw: Gateway, token: str, said: str | None) -> None:
    """A cookie comes with every request to us, whoever's page sends it: a change must say it
    comes from our own page (Origin or Referer) and carry this session's CSRF token."""
    if said is None:
        raise Refusal(403, "cross-origin request refused: neither Origin nor Referer says where it comes from")
    if not csrf_matches(gw.csrf_secret, token, request.headers.get(CSRF_HEADER) or await _form_field(request)):
        raise Refusal(403, f"CSRF token missing or not this session's (send {CSRF_HEADER} or {CSRF_FIELD})")


async def _decide(request: Request, rule: SessionRule, gw: Gateway,
                  credential: Credential) -> tuple[Decision, Decision, str | None]:
    """The session, identity's decision on what `rule` asks (the session's own, for SignedIn)
    and the client the route touches."""
    try:
        session = await gw.access.session(credential.token)
        client_id, decision = None, session
        if isinstance(rule, OnClient):
            client_id = _uuid(request, rule.param)
            decision = await gw.access.decide(credential.token, "client", client_id, rule.permission.value)
        elif isinstance(rule, OnClientOf):
            client_id = await gw.access.owner_of(rule.owner, request.path_params[rule.param])
            if client_id is None:
                raise Refusal(404, f"no such {rule.owner}")
            decision = await gw.access.decide(credential.token, "client", client_id, rule.permission.value)
        elif isinstance(rule, InAgency):
            decision = await gw.access.decide(credential.token, "agency", _uuid(request, rule.param),
                                              rule.permission.value)
        elif isinstance(rule, OnPlatform):
            decision = await gw.access.decide(credential.token, "platform", None, rule.permission.value)
    except Unauthenticated:
        raise Refusal(401, "your session has expired or was ended: sign in again",
                      clear_cookie=credential.via == "cookie") from None
    return session, decision, client_id


def _uuid(request: Request, param: str) -> str:
    try:
        return str(uuid.UUID(request.path_params[param]))
    except ValueError:
        raise Refusal(422, f"{param} is not a valid UUID") from None


async def _form_field(request: Request) -> str | None:
    if not request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded",
                                                                 "multipart/form-data")):
        return None
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None
