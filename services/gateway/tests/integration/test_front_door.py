"""The gateway in front of the real services: a session from a texted code, every service's
API reached through it, and the services themselves closed to anyone without their credential."""
import uuid

import httpx

from gateway_testing import bearer, log_in


async def test_a_direct_call_to_a_service_without_its_credential_is_401_and_through_the_gateway_it_works(
        system, world):
    for service, path in [("billing", "/subscriptions"), ("identity", "/clients"), ("messaging", "/clients/x/usage"),
                          ("escalation", "/claim/abc")]:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{system.ports[service]}") as direct:
            method = "POST" if service == "escalation" else "GET"
            assert (await direct.request(method, path)).status_code == 401, service
            assert (await direct.get("/healthz")).status_code == 200
    token = await log_in(system, world.phones["x_owner"])
    page = await system.api.get(f"/api/v1/clients/{world.a['id']}/subscriptions", headers=bearer(token))
    assert page.status_code == 200 and page.json() == {"data": [], "next": None}


async def test_who_am_i_names_the_person_their_session_and_every_membership(system, world):
    token = await log_in(system, world.phones["a_owner"])
    me = (await system.api.get("/api/v1/me", headers=bearer(token))).json()
    assert me["person"]["name"] == "Olive Owner" and me["person"]["phone"] == world.phones["a_owner"]
    assert [(c["name"], c["role"]) for c in me["clients"]] == [("Alpha Plumbing", "client_owner")]
    assert "billing:manage" in me["clients"][0]["permissions"] and me["agencies"] == []
    staff = (await system.api.get("/api/v1/me", headers=bearer(await log_in(system, world.phones["x_staff"])))).json()
    assert [(a["name"], a["role"]) for a in staff["agencies"]] == [("Agency X", "agency_staff")]
    operator = (await system.api.get("/api/v1/me", headers=bearer(await log_in(system, world.phones["operator"]))))
    assert operator.json()["platform_roles"] == [{"role": "operator", "permissions": ["catalog:manage",
                                                                                      "operations:run"]}]


async def test_every_services_api_is_reached_through_the_gateway_by_those_allowed(system, world):
    operator = bearer(await log_in(system, world.phones["operator"]))
    owner = bearer(await log_in(system, world.phones["x_owner"]))
    a, b = world.a["id"], world.b["id"]
    plan = {"id": "pro-monthly", "name": "Pro", "amount_cents": 9900}
    assert (await system.api.post("/api/v1/plans", json=plan, headers=operator)).status_code == 201
    coupon = await system.api.post("/api/v1/coupons", json={"id": "WELCOME10", "percent_off": 10}, headers=operator)
    assert coupon.status_code == 201 and coupon.json()["redeemed"] == 0

    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    body = {"plan_id": "pro-monthly", "phone": "+14155550100"}
    created = await system.api.post(f"/api/v1/clients/{a}/subscriptions", json=body, headers={**owner, **key})
    assert created.status_code == 201 and created.json()["state"] == "completed", created.text
    replayed = await system.api.post(f"/api/v1/clients/{a}/subscriptions", json=body, headers={**owner, **key})
    assert replayed.json() == created.json()
    other = await system.api.post(f"/api/v1/clients/{b}/subscriptions", json=body, headers={**owner, **key})
    # keys are per client
    assert other.status_code == 201 and other.json()["subscription_id"] != created.json()["subscription_id"]
    subscription = created.json()["subscription_id"]
    listed = (await system.api.get(f"/api/v1/clients/{a}/subscriptions", headers=owner)).json()
    assert [s["id"] for s in listed["data"]] == [subscription] and listed["next"] is None
    assert (await system.api.get(f"/api/v1/subscriptions/{subscription}", headers=owner)).json()["client_id"] == a
    paused = await system.api.post(f"/api/v1/subscriptions/{subscription}/pause", headers={**owner, **key})
    assert paused.status_code == 200 and paused.json()["paused"] is True
    offer = await system.api.post(f"/api/v1/clients/{a}/cancellation", headers=owner)
    assert offer.status_code == 201 and offer.json()["subscription_id"] == subscription
    confirmed = await system.api.post(f"/api/v1/cancellations/{offer.json()['id']}/confirm", headers=owner)
    assert confirmed.status_code == 200 and confirmed.json()["cancel_at_period_end"] is True
    held = await system.api.post("/api/v1/plans/pro-monthly/deactivate", headers=operator)
    assert held.status_code == 409 and "subscriptions" in held.json()["error"]  # billing's reason, passed on
    report = await system.api.post("/api/v1/operations/reconciliation", headers=operator)
    assert report.status_code == 200 and report.json()["subscriptions_checked"] >= 2

    client_owner = bearer(await log_in(system, world.phones["a_owner"]))
    member = bearer(await log_in(system, world.phones["a_member"]))
    profile = {"business_name": "Alpha Plumbing", "numbers": ["+14155550188"], "monthly_limit": 500}
    assert (await system.api.put(f"/api/v1/clients/{a}/profile", json=profile, headers=client_owner)).status_code == 200
    usage = await system.api.get(f"/api/v1/clients/{a}/usage", headers=member)
    assert usage.status_code == 200 and usage.json()["limit"] == 500
    lead = uuid.uuid4()
    unknown = await system.api.post(f"/api/v1/clients/{a}/leads/{lead}/outcome", json={"outcome": "won"},
                                    headers=member)
    assert unknown.status_code == 404 and str(lead) in unknown.json()["error"]
    run = await system.api.post(f"/api/v1/clients/{a}/automations/win-back", headers=client_owner,
                                json={"run_id": "wb-1", "template": "We miss you"})
    assert run.status_code == 200 and run.json() == {"run_id": "wb-1", "queued": 0}
    assert (await system.api.post("/api/v1/claims/not-a-real-claim-token", headers=member)).status_code == 404

    added = await system.api.post(f"/api/v1/clients/{a}/members", headers=client_owner, json={
        "identifier": "+14155550177", "name": "Dana Tech", "role": "client_member"})
    assert added.status_code == 201
    person = added.json()["person_id"]
    changed = await system.api.patch(f"/api/v1/clients/{a}/members/{person}", json={"role": "client_admin"},
                                     headers=client_owner)
    assert changed.json()["role"] == "client_admin"
    team = (await system.api.get(f"/api/v1/clients/{a}/members", headers=member)).json()
    assert "Dana Tech" in [m["name"] for m in team["data"]]
    assert (await system.api.delete(f"/api/v1/clients/{a}/members/{person}", headers=client_owner)).status_code == 204
    made = await system.api.post(f"/api/v1/agencies/{world.agency_x}/clients", json={"name": "Delta Electric"},
                                 headers=owner)
    assert made.status_code == 201
    renamed = await system.api.patch(f"/api/v1/clients/{made.json()['id']}", json={"name": "Delta Electric Co"},
                                     headers=owner)
    assert renamed.json()["name"] == "Delta Electric Co"
    names = [c["name"] for c in (await system.api.get("/api/v1/clients", headers=owner)).json()["data"]]
    assert names == ["Alpha Plumbing", "Bravo Roofing", "Delta Electric Co"]

    assert (await system.api.post("/api/v1/auth/logout", headers=member)).status_code == 204
    assert (await system.api.get("/api/v1/me", headers=member)).status_code == 401


async def test_lists_come_in_pages_whose_cursor_leads_on_through_the_gateway(system, world):
    owner = bearer(await log_in(system, world.phones["x_owner"]))
    for name in ("Echo Electric", "Foxtrot Fencing", "Golf Gutters"):
        assert (await system.api.post(f"/api/v1/agencies/{world.agency_x}/clients", json={"name": name},
                                      headers=owner)).status_code == 201
    names, cursor, pages = [], None, 0
    while True:
        page = (await system.api.get("/api/v1/clients", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                                     headers=owner)).json()
        names += [c["name"] for c in page["data"]]
        pages += 1
        if not (cursor := page["next"]):
            break
    assert pages == 3 and names == ["Alpha Plumbing", "Bravo Roofing", "Echo Electric", "Foxtrot Fencing",
                                    "Golf Gutters"]
    team = (await system.api.get(f"/api/v1/clients/{world.a['id']}/members", params={"limit": 2},
                                 headers=owner)).json()
    rest = (await system.api.get(f"/api/v1/clients/{world.a['id']}/members", params={"cursor": team["next"]},
                                 headers=owner)).json()
    assert [m["name"] for m in team["data"] + rest["data"]] == ["Adam Admin", "Mia Member", "Olive Owner"]
