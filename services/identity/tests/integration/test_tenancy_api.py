"""The API through HTTP: tenants cannot see each other, removal bites at once, deletes are
audited and announced, and forwarded addresses are believed only from trusted proxies."""
import uuid

import pytest
from sqlalchemy import text

from identity_testing import log_in, serve, settings_for
from revgen_common.envelope import Envelope
from revgen_common.topics import IDENTITY_EVENTS
from revgen_devstack import free_port
from revgen_testing.kafka_io import read_all
from revgen_testing.running import eventually


@pytest.fixture
async def api(infra, all_topics, identity_db, clock):
    settings = settings_for(identity_db, infra.bootstrap_servers, free_port(), trusted_proxies=["10.9.9.9"])
    async with serve(settings, clock) as client:
        yield client


@pytest.fixture
async def world(api, tenants, agency_team, identity_engine):
    """Agency X with clients A and B; agency Y with client C; people in every role."""
    x, x_owner = await tenants.create_agency("Agency X", "+14155550100", "X Owner")
    y, y_owner = await tenants.create_agency("Agency Y", "+14155550200", "Y Owner")
    await agency_team.add_member(x_owner, x, "+14155550101", "X Staff", "agency_staff")
    a = await tenants.create_client(x_owner, x, "Alpha Plumbing")
    b = await tenants.create_client(x_owner, x, "Bravo Roofing")
    await tenants.create_client(y_owner, y, "Charlie Remodel")
    members = {}
    for role, number in [("client_owner", "+14155550111"), ("client_admin", "+14155550112"),
                         ("client_member", "+14155550113")]:
        members[role] = await tenants.add_member(x_owner, uuid.UUID(a["id"]), number, f"A {role}", role)
    b_member = await tenants.add_member(x_owner, uuid.UUID(b["id"]), "+14155550121", "B Member", "client_member")
    sessions = {}
    for who, number in [("x_owner", "+14155550100"), ("x_staff", "+14155550101"), ("y_owner", "+14155550200"),
                        ("a_owner", "+14155550111"), ("a_admin", "+14155550112"), ("a_member", "+14155550113")]:
        sessions[who] = await log_in(api, identity_engine, number)
    return {"a": a, "b": b, "b_member": b_member, "sessions": sessions, "members": members}


def routes(b: dict, b_member: dict):
    client, person = b["id"], b_member["person_id"]
    return [
        ("GET", f"/clients/{client}", None),
        ("PATCH", f"/clients/{client}", {"name": "Hijacked"}),
        ("DELETE", f"/clients/{client}", None),
        ("GET", f"/clients/{client}/members", None),
        ("POST", f"/clients/{client}/members", {"identifier": "+14155550999", "name": "Mole", "role": "client_owner"}),
        ("PATCH", f"/clients/{client}/members/{person}", {"role": "client_owner"}),
        ("DELETE", f"/clients/{client}/members/{person}", None),
        ("GET", f"/authorize?client_id={client}&permission=client:read", None),
    ]


@pytest.mark.parametrize("actor", ["y_owner", "a_owner", "a_admin", "a_member"])
async def test_acting_on_another_tenants_client_is_404_or_403_and_reveals_nothing(api, world, actor):
    b, b_member = world["b"], world["b_member"]
    for method, path, body in routes(b, b_member):
        response = await api.request(method, path, json=body, headers=world["sessions"][actor])
        assert response.status_code in (403, 404), f"{actor} {method} {path} -> {response.status_code}"
        for secret in (b["name"], b_member["name"], b_member["phone"], "Bravo"):
            assert secret not in response.text
    assert (await api.get(f"/clients/{b['id']}", headers=world["sessions"]["x_owner"])).json()["name"] == \
        "Bravo Roofing"  # unchanged, and visible to whom it belongs


async def test_roles_decide_what_a_member_may_do_on_their_own_client(api, world):
    a = world["a"]["id"]
    s = world["sessions"]
    assert (await api.get(f"/clients/{a}", headers=s["a_member"])).status_code == 200
    assert (await api.patch(f"/clients/{a}", json={"name": "x"}, headers=s["a_member"])).status_code == 403
    assert (await api.patch(f"/clients/{a}", json={"name": "Alpha Plumbing"}, headers=s["a_owner"])).status_code == 200
    assert (await api.delete(f"/clients/{a}", headers=s["a_owner"])).status_code == 403
    assert (await api.get(f"/clients/{a}/members", headers=s["x_staff"])).status_code == 200
    assert (await api.post(f"/clients/{a}/members", headers=s["x_staff"], json={
        "identifier": "+14155550998", "name": "N", "role": "client_member"})).status_code == 403


async def test_a_team_manager_grants_only_roles_within_their_own_and_cannot_act_on_a_member_above_them(
        api, world, identity_engine):
    a, s = world["a"]["id"], world["sessions"]
    owner = world["members"]["client_owner"]["person_id"]
    admin = world["members"]["client_admin"]["person_id"]
    member = world["members"]["client_member"]["person_id"]
    invite_owner = {"identifier": "+14155550997", "name": "Made Owner", "role": "client_owner"}
    assert (await api.post(f"/clients/{a}/members", headers=s["a_admin"], json=invite_owner)).status_code == 403
    assert (await api.patch(f"/clients/{a}/members/{admin}", headers=s["a_admin"],
                            json={"role": "client_owner"})).status_code == 403  # not themselves either
    assert (await api.patch(f"/clients/{a}/members/{owner}", headers=s["a_admin"],
                            json={"role": "client_member"})).status_code == 403
    assert (await api.delete(f"/clients/{a}/members/{owner}", headers=s["a_admin"])).status_code == 403
    async with identity_engine.connect() as db:
        roles = dict((await db.execute(text("SELECT person_id::text, role FROM client_memberships "
                                            "WHERE client_id = :c AND active"), {"c": a})).all())
        assert await db.scalar(text("SELECT count(*) FROM people WHERE name = 'Made Owner'")) == 0
    assert (roles[owner], roles[admin]) == ("client_owner", "client_admin")
    # within their own: an admin makes a member an admin; the owner and the agency's owner grant any client role
    assert (await api.patch(f"/clients/{a}/members/{member}", headers=s["a_admin"],
                            json={"role": "client_admin"})).status_code == 200
    assert (await api.patch(f"/clients/{a}/members/{admin}", headers=s["a_owner"],
                            json={"role": "client_owner"})).status_code == 200
    assert (await api.post(f"/clients/{a}/members", headers=s["x_owner"], json=invite_owner)).status_code == 201


async def test_a_removed_members_session_fails_on_the_very_next_request(api, world):
    a, member = world["a"]["id"], world["a"]
    headers = world["sessions"]["a_member"]
    person = (await api.get(f"/authorize?client_id={a}&permission=leads:read", headers=headers)).json()["person_id"]
    assert (await api.delete(f"/clients/{a}/members/{person}", headers=world["sessions"]["a_owner"])).status_code == 204
    assert (await api.get(f"/clients/{a}", headers=headers)).status_code == 404
    assert member  # the client is still there for the others
    assert (await api.get(f"/clients/{a}", headers=world["sessions"]["a_owner"])).status_code == 200


async def test_deleting_a_client_is_soft_audited_with_a_before_image_and_published(api, world, identity_engine, infra):
    b = world["b"]["id"]
    assert (await api.delete(f"/clients/{b}", headers=world["sessions"]["x_owner"])).status_code == 204
    assert (await api.get(f"/clients/{b}", headers=world["sessions"]["x_owner"])).status_code == 404
    async with identity_engine.connect() as db:
        status = await db.scalar(text("SELECT status FROM clients WHERE id = :id"), {"id": b})
        before = await db.scalar(text("SELECT before FROM audit_log WHERE action = 'delete' AND entity_id = :id"),
                                 {"id": b})
    assert status == "deleted" and before["name"] == "Bravo Roofing"

    async def published():
        records = await read_all(infra.bootstrap_servers, IDENTITY_EVENTS.name, idle_seconds=0.2)
        return [e for e in (Envelope.from_bytes(r.value) for r in records)
                if e.type == "ClientDeleted" and e.payload["client_id"] == b]

    (event,) = await eventually(published, timeout=30)
    assert event.key == b and event.client_id == b


async def test_a_spoofed_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(api, identity_engine, tenants):
    await tenants.create_agency("Agency Z", "+14155550300", "Z Owner")
    await api.post("/auth/otp", json={"identifier": "+14155550300"}, headers={"X-Forwarded-For": "6.6.6.6"})

    async def recorded():
        async with identity_engine.connect() as db:
            return await db.scalar(text("SELECT requested_from FROM otp_codes"))
    assert await eventually(recorded, timeout=10) == "127.0.0.1"


async def test_an_identifier_that_does_not_normalise_is_refused_with_400(api):
    for bad in ["12", "not-a-number", "+1 000 000 0000", "bob@", "ann@@x.y"]:
        response = await api.post("/auth/otp", json={"identifier": bad})
        assert response.status_code == 400, bad


async def test_a_logged_out_session_is_refused(api, world):
    headers = world["sessions"]["a_owner"]
    assert (await api.post("/auth/logout", headers=headers)).status_code == 204
    assert (await api.get(f"/clients/{world['a']['id']}", headers=headers)).status_code == 401


async def test_the_audit_log_of_a_client_says_who_changed_what_with_the_before_image_newest_first(api, world):
    a, sessions = world["a"], world["sessions"]
    renamed = await api.patch(f"/clients/{a['id']}", json={"name": "Alpha Plumbing & Heating"},
                              headers=sessions["a_owner"])
    assert renamed.status_code == 200
    members = (await api.get(f"/clients/{a['id']}/members", headers=sessions["a_owner"])).json()["data"]
    member = next(m for m in members if m["role"] == "client_member")
    assert (await api.delete(f"/clients/{a['id']}/members/{member['person_id']}",
                             headers=sessions["a_owner"])).status_code == 204
    first = (await api.get(f"/clients/{a['id']}/audit?limit=2", headers=sessions["a_owner"])).json()
    assert [(e["action"], e["entity"], e["actor_name"]) for e in first["data"]] == [
        ("deactivate", "client_membership", "A client_owner"), ("update", "client", "A client_owner")]
    assert first["data"][0]["before"]["role"] == "client_member"
    assert first["data"][1]["before"]["name"] == "Alpha Plumbing"
    rest = (await api.get(f"/clients/{a['id']}/audit", params={"cursor": first["next"]},
                          headers=sessions["a_owner"])).json()
    assert ("create", "client") in [(e["action"], e["entity"]) for e in rest["data"]]
    assert "Bravo Roofing" not in str(rest)  # another client's changes are not this one's
    assert (await api.get(f"/clients/{a['id']}/audit", headers=sessions["a_admin"])).status_code == 403
    assert (await api.get(f"/clients/{world['b']['id']}/audit", headers=sessions["a_owner"])).status_code == 404
    assert (await api.get(f"/clients/{a['id']}/audit", params={"cursor": "bm90LWEtcm93"},
                          headers=sessions["a_owner"])).status_code == 400
