"""What the gateway asks identity: who is this session (GET /me), which clients can they open
(GET /clients, keyset pages), may they do this on a client, in an agency or on the platform
(GET /authorize), and that a logout is announced so every gateway forgets the session."""
import uuid

import pytest

from identity_testing import log_in, serve, settings_for
from revgen_common.envelope import Envelope
from revgen_common.topics import IDENTITY_EVENTS
from revgen_devstack import free_port
from revgen_testing.kafka_io import read_all
from revgen_testing.running import eventually


@pytest.fixture
async def api(infra, all_topics, identity_db, clock):
    async with serve(settings_for(identity_db, infra.bootstrap_servers, free_port()), clock) as client:
        yield client


@pytest.fixture
async def world(api, tenants, agency_team, identity_engine):
    x, x_owner = await tenants.create_agency("Agency X", "+14155550100", "X Owner")
    y, y_owner = await tenants.create_agency("Agency Y", "+14155550200", "Y Owner")
    await agency_team.add_member(x_owner, x, "+14155550101", "X Staff", "agency_staff")
    a = await tenants.create_client(x_owner, x, "Alpha Plumbing")
    c = await tenants.create_client(y_owner, y, "Charlie Remodel")
    member = await tenants.add_member(x_owner, uuid.UUID(a["id"]), "+14155550113", "A Member", "client_member")
    await tenants.grant_platform_role("+14155550900", "Op Erator", "operator")
    sessions = {who: await log_in(api, identity_engine, number) for who, number in [
        ("x_owner", "+14155550100"), ("x_staff", "+14155550101"), ("y_owner", "+14155550200"),
        ("a_member", "+14155550113"), ("operator", "+14155550900")]}
    return {"x": str(x), "a": a, "c": c, "member": member, "sessions": sessions}


async def test_who_am_i_lists_each_membership_with_what_it_permits(api, world):
    me = (await api.get("/me", headers=world["sessions"]["a_member"])).json()
    assert me["person"]["name"] == "A Member" and me["session_expires_at"]
    assert [(c["name"], c["role"]) for c in me["clients"]] == [("Alpha Plumbing", "client_member")]
    assert "leads:manage" in me["clients"][0]["permissions"] and "members:manage" not in me["clients"][0]["permissions"]
    owner = (await api.get("/me", headers=world["sessions"]["x_owner"])).json()
    assert [(a["name"], a["role"]) for a in owner["agencies"]] == [("Agency X", "agency_owner")]
    assert "catalog:manage" not in owner["agencies"][0]["permissions"]  # no tenant role reaches the platform
    operator = (await api.get("/me", headers=world["sessions"]["operator"])).json()
    assert operator["platform_roles"] == [{"role": "operator", "permissions": ["catalog:manage", "operations:run"]}]
    assert (await api.get("/me")).status_code == 401


@pytest.mark.parametrize(("who", "query", "status"), [
    ("a_member", "", 200),
    ("operator", "permission=operations:run", 200),
    ("x_owner", "permission=operations:run", 403),
    ("x_owner", "permission=client:create&agency_id={x}", 200),
    ("x_staff", "permission=client:create&agency_id={x}", 403),
    ("y_owner", "permission=client:create&agency_id={x}", 404),
    ("a_member", "permission=client:create&agency_id={x}", 404),
    ("a_member", "permission=leads:read&client_id={a}", 200),
    ("a_member", "permission=client:update&client_id={a}", 403),
    ("y_owner", "permission=client:read&client_id={a}", 404),
    ("x_owner", "client_id={a}", 422),
    ("x_owner", "permission=client:read", 422),
    ("x_owner", "permission=client:read&client_id={a}&agency_id={x}", 422),
])
async def test_authorize_answers_for_a_client_an_agency_the_platform_or_the_session(api, world, who, query, status):
    answer = await api.get("/authorize?" + query.format(x=world["x"], a=world["a"]["id"]),
                           headers=world["sessions"][who])
    assert answer.status_code == status, answer.text
    if status in (200, 403, 404):  # every decision names the caller and how long the session lasts
        assert answer.json()["person_id"] and answer.json()["session_expires_at"]
        assert answer.json()["allowed"] is (status == 200)
        assert "Alpha" not in answer.text


async def test_clients_are_listed_by_name_a_page_at_a_time_and_only_those_the_caller_can_open(api, world, tenants):
    x_owner = (await api.get("/me", headers=world["sessions"]["x_owner"])).json()["person"]["id"]
    for i in range(119):
        await tenants.create_client(uuid.UUID(x_owner), uuid.UUID(world["x"]), f"Client {i:03d}")
    seen, cursor, pages = [], None, 0
    while True:
        page = (await api.get("/clients", params={"cursor": cursor} if cursor else {},
                              headers=world["sessions"]["x_owner"])).json()
        seen += [c["name"] for c in page["data"]]
        pages += 1
        if not (cursor := page["next"]):
            break
    assert pages == 3 and len(seen) == 120 and seen == sorted(seen) and "Charlie Remodel" not in seen
    mine = (await api.get("/clients", headers=world["sessions"]["a_member"])).json()
    assert [c["name"] for c in mine["data"]] == ["Alpha Plumbing"] and mine["next"] is None
    assert (await api.get("/clients", params={"limit": 101}, headers=world["sessions"]["x_owner"])).status_code == 422
    bad = await api.get("/clients", params={"cursor": "not-a-cursor"}, headers=world["sessions"]["x_owner"])
    assert bad.status_code == 400 and bad.json()["problems"][0]["field"] == "query.cursor"


async def test_a_team_is_listed_by_name_with_a_cursor(api, world, tenants):
    x_owner = uuid.UUID((await api.get("/me", headers=world["sessions"]["x_owner"])).json()["person"]["id"])
    for i in range(4):
        await tenants.add_member(x_owner, uuid.UUID(world["a"]["id"]), f"+1415555030{i}", f"Tech {i}", "client_member")
    first = (await api.get(f"/clients/{world['a']['id']}/members", params={"limit": 3},
                           headers=world["sessions"]["x_owner"])).json()
    rest = (await api.get(f"/clients/{world['a']['id']}/members", params={"limit": 3, "cursor": first["next"]},
                          headers=world["sessions"]["x_owner"])).json()
    assert [m["name"] for m in first["data"] + rest["data"]] == ["A Member", "Tech 0", "Tech 1", "Tech 2", "Tech 3"]
    assert rest["next"] is None


async def test_a_logout_is_announced_once_so_every_gateway_forgets_the_session(api, world, infra):
    headers = world["sessions"]["a_member"]
    person = (await api.get("/me", headers=headers)).json()["person"]["id"]
    assert (await api.post("/auth/logout", headers=headers)).status_code == 204
    assert (await api.post("/auth/logout", headers=headers)).status_code == 401  # over already: nothing to announce

    async def announced():
        records = await read_all(infra.bootstrap_servers, IDENTITY_EVENTS.name, idle_seconds=0.2)
        return [e for e in (Envelope.from_bytes(r.value) for r in records)
                if e.type == "SessionRevoked" and e.payload["person_id"] == person]

    (event,) = await eventually(announced, timeout=30)
    assert event.key == person
