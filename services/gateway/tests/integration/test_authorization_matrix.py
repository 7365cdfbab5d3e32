"""The authorization matrix, generated from the route table: every route of the gateway, each
with the rule it declares, called by everyone who must be refused (no session, an expired
session, another agency's owner, a member of another client, a member of the client whose
role lacks the permission), answers 401, 403 or 404 as its rule says, changes nothing in any
service or provider, and reveals nothing of the client it touches.

A route without a rule cannot hide from this: every APIRoute of the app is walked, a route
without a rule fails here (and the app refuses to start), and a rule kind or path parameter
this test does not know fails it too."""
import uuid
from collections import Counter

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text

import gateway.bootstrap
from gateway.bootstrap import TABLES
from gateway.domain.rules import ClaimLink, InAgency, OnClient, OnClientOf, OnPlatform, Public, SignedIn
from gateway.entrypoints.route_table import api_routes, rule_of, unruled
from gateway_testing import bearer, log_in, texts_settled
from identity.domain.roles import AGENCY_ROLES, CLIENT_ROLES

PERSONAS = ("no session", "expired session", "another agency's owner", "a member of another client",
            "a member without the permission")
# Members of client A (or its agency), weakest first: the first whose role lacks a permission plays
# "a member without the permission".
MEMBERS_OF_A = (("a_member", CLIENT_ROLES["client_member"]), ("x_staff", AGENCY_ROLES["agency_staff"]),
                ("a_admin", CLIENT_ROLES["client_admin"]), ("a_owner", CLIENT_ROLES["client_owner"]))
BLIND = "allowed, but shows nothing of client A"  # their own things: who they are, their clients


def expected(rule, persona: str, method: str = "GET"):
    """The answer `persona` must get from a route with `rule`; None: the persona is not refused there
    (or, signed in, would act on their own session: logging themselves out is theirs to do)."""
    if isinstance(rule, Public):
        return None
    if isinstance(rule, ClaimLink):  # the token is the credential: a wrong one is unknown to anyone
        return 404 if persona != "a member without the permission" else None
    if persona in ("no session", "expired session"):
        return 401
    if isinstance(rule, SignedIn):
        blind = persona in ("another agency's owner", "a member of another client") and method == "GET"
        return BLIND if blind else None
    if persona == "a member without the permission":
        return 403 if without_permission(rule) else None
    if isinstance(rule, OnPlatform):
        return 403  # the platform is no secret; its operations are not theirs
    if isinstance(rule, OnClient | OnClientOf | InAgency):
        return 404
    raise AssertionError(f"the matrix does not know the rule {rule!r}: teach it")


def without_permission(rule) -> str | None:
    if isinstance(rule, OnPlatform):
        return "x_owner"  # every tenant permission, no platform role
    if isinstance(rule, InAgency):
        return "x_staff" if rule.permission not in AGENCY_ROLES["agency_staff"] else None
    return next((who for who, granted in MEMBERS_OF_A if rule.permission not in granted), None)


@pytest.fixture
async def matrix(system, world):
    """Sessions for every persona, and one of everything a route can touch, all of client A's."""
    expired = await log_in(system, world.phones["x_owner"])
    system.clock.advance(minutes=61)  # identity's sessions last 60
    sessions = {who: await log_in(system, world.phones[who]) for who in
                ("x_owner", "x_staff", "a_owner", "a_admin", "a_member", "b_member", "y_owner", "operator")}
    operator, owner = bearer(sessions["operator"]), bearer(sessions["x_owner"])
    plan_id, coupon_id = f"plan-{uuid.uuid4().hex[:8]}", f"COUPON{uuid.uuid4().hex[:8]}"
    assert (await system.api.post("/api/v1/plans", json={"id": plan_id, "name": "Matrix", "amount_cents": 100},
                                  headers=operator)).status_code == 201
    assert (await system.api.post("/api/v1/coupons", json={"id": coupon_id, "percent_off": 5},
                                  headers=operator)).status_code == 201
    a = world.a["id"]
    subscribed = await system.api.post(f"/api/v1/clients/{a}/subscriptions", json={"plan_id": plan_id},
                                       headers={**owner, "Idempotency-Key": f"matrix-{uuid.uuid4()}"})
    offer = await system.api.post(f"/api/v1/clients/{a}/cancellation", headers=owner)
    assert (await system.api.put(f"/api/v1/clients/{a}/profile", json={"business_name": "Alpha Plumbing"},
                                 headers=owner)).status_code == 200
    params = {"client_id": a, "agency_id": world.agency_x, "person_id": world.person_ids["a_member"],
              "subscription_id": subscribed.json()["subscription_id"], "request_id": offer.json()["id"],
              "plan_id": plan_id, "coupon_id": coupon_id, "lead_id": str(uuid.uuid4()), "kind": "win-back",
              "escalation_id": str(uuid.uuid4()), "token": "not-a-claim-token-of-anyone",
              "call_sid": "CA" + "0" * 32}
    tokens = {"no session": None, "expired session": expired, "another agency's owner": sessions["y_owner"],
              "a member of another client": sessions["b_member"]}
    return {"sessions": sessions, "tokens": tokens, "params": params}


def request_for(system, route: APIRoute, params: dict, token: str | None) -> dict:
    missing = [name for name in route.param_convertors if name not in params]
    assert not missing, f"{route.path}: the matrix needs a value for {missing}"
    method = next(iter(route.methods))
    options: dict = {"method": method, "url": route.path.format(**params), "headers": {}}
    body = route.body_field
    if body is not None and route.path.startswith("/api/"):
        examples = body.field_info.annotation.model_config.get("json_schema_extra", {}).get("examples")
        assert examples, f"{route.path}: give {body.field_info.annotation.__name__} an example (the docs show it too)"
        options["json"] = examples[0]
    if any(p.alias == "Idempotency-Key" for p in route.dependant.header_params):
        options["headers"]["Idempotency-Key"] = f"matrix-{uuid.uuid4()}"
    if route.path.startswith("/api/"):
        options["headers"].update(bearer(token) if token else {})
    else:  # a browser on our own pages: the cookie, our Origin, this session's CSRF token
        options["headers"].update(system.as_cookie(token) if token else {"Origin": system.url})
        if method != "GET":
            options["data"] = {"csrf_token": system.csrf(token) if token else ""}
    return options


async def fingerprint(system) -> dict:
    """Everything a refused request could have changed."""
    tables = {"identity": ["clients", "client_memberships", "agency_memberships", "platform_memberships", "people",
                           "outbox"],
              "billing": ["plans", "coupons", "subscriptions", "cancellation_requests", "subscription_commands",
                          "outbox"],
              "messaging": ["profiles", "leads", "sends", "scheduled_messages", "outbox"],
              "escalation": ["escalations", "outbox"],
              "voice": ["voice_settings", "calls", "outbox"]}
    prints = {}
    for service, names in tables.items():
        async with system.engines[service].connect() as db:
            for table in names:  # the relay stamps outbox rows as it publishes them: count those
                prints[f"{service}.{table}"] = await db.scalar(text(
                    "SELECT count(*) FROM outbox" if table == "outbox" else
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"))
    prints["stripe requests"] = len(system.stripe.requests)
    prints["twilio messages"] = len(system.twilio.messages)
    return prints


async def test_every_route_refuses_everyone_it_must_changes_nothing_and_reveals_nothing(system, world, matrix):
    app = system.app
    assert unruled(app) == [] and len(api_routes(app)) >= 40
    await texts_settled(system)  # the login codes of the personas, still going out
    before = await fingerprint(system)
    sizes, failures = Counter(), []
    for route in api_routes(app):
        rule = rule_of(route)
        for persona in PERSONAS:
            want = expected(rule, persona, next(iter(route.methods)))
            if want is None:
                continue
            token = (matrix["sessions"][without_permission(rule)] if persona == "a member without the permission"
                     else matrix["tokens"][persona])
            answer = await system.api.request(**request_for(system, route, matrix["params"], token))
            sizes[want] += 1
            if want == BLIND:
                ok = answer.status_code in (200, 204)
            else:
                ok = answer.status_code == want
            revealed = [s for s in world.secrets if s in answer.text]
            if not ok or revealed:
                failures.append(f"{route.methods} {route.path} by {persona}: {answer.status_code} (want {want}), "
                                f"revealed {revealed}: {answer.text[:200]}")
    assert failures == []
    assert await fingerprint(system) == before
    print(f"\nauthorization matrix: {len(api_routes(app))} routes x {len(PERSONAS)} personas -> "
          f"{sum(sizes.values())} refusals checked {dict(sizes)}")
    assert sizes[401] and sizes[403] and sizes[404] and sizes[BLIND]


def test_a_route_declared_without_a_permission_rule_is_found_and_the_gateway_will_not_start(monkeypatch):
    plain = APIRouter()

    @plain.get("/api/v1/forgotten")
    async def forgotten():
        return {"everyone": "welcome"}

    app = FastAPI()
    for table in TABLES:
        app.include_router(table.router)
    app.include_router(plain)
    assert unruled(app) == ["['GET'] /api/v1/forgotten"]

    class Table:
        router = plain

    monkeypatch.setattr(gateway.bootstrap, "TABLES", (*TABLES, Table()))
    with pytest.raises(RuntimeError, match="/api/v1/forgotten"):
        gateway.bootstrap.create_app(None)


def test_every_rule_kind_has_its_answers_in_the_matrix():
    kinds = {type(rule_of(r)) for table in TABLES for r in table.router.routes}
    for kind in kinds:
        rule = next(rule_of(r) for table in TABLES for r in table.router.routes if type(rule_of(r)) is kind)
        for persona in PERSONAS:
            expected(rule, persona)  # raises for a rule it does not know
