"""An agency's own team through identity's API: invited by phone or e-mail, roles changed and
removed only within the manager's own roles, never the last owner, every change audited with
its before-image and published; a removed member leaves the agency's clients' teams too."""
import json
import uuid

import pytest
from sqlalchemy import text

from identity_testing import log_in


@pytest.fixture
async def agency(api, tenants, agency_team, identity_engine):
    x, owner = await tenants.create_agency("Agency X", "+14155550400", "Xena Owner")
    await tenants.create_agency("Agency Y", "+14155550500", "Yann Owner")
    admin = (await agency_team.add_member(owner, x, "+14155550401", "Abe Admin", "agency_admin"))["person_id"]
    staff = (await agency_team.add_member(owner, x, "+14155550402", "Sue Staff", "agency_staff"))["person_id"]
    client = await tenants.create_client(owner, x, "Alpha Plumbing")
    await tenants.add_member(owner, uuid.UUID(client["id"]), "+14155550402", "Sue Staff", "client_member")
    sessions = {who: await log_in(api, identity_engine, number) for who, number in [
        ("owner", "+14155550400"), ("admin", "+14155550401"), ("staff", "+14155550402"), ("y_owner", "+14155550500")]}
    return {"id": str(x), "owner": str(owner), "admin": admin, "staff": staff, "client": client["id"],
            "sessions": sessions}


async def published(engine, person: str) -> list[str]:
    """The types of the team events identity queued about `person`, in order."""
    async with engine.connect() as db:
        rows = await db.scalars(text("SELECT value FROM outbox WHERE topic = 'identity.events' ORDER BY id"))
        events = [json.loads(v) for v in rows]
    return [e["type"] for e in events if e["payload"].get("person_id") == person]


async def test_an_owner_invites_by_phone_and_email_changes_a_role_and_removes_with_audit_and_events(
        api, agency, identity_engine):
    x, owner = agency["id"], agency["sessions"]["owner"]
    by_phone = await api.post(f"/agencies/{x}/members", headers=owner,
                              json={"identifier": "(415) 555-0403", "name": "Pat Phone", "role": "agency_staff"})
    by_mail = await api.post(f"/agencies/{x}/members", headers=owner,
                             json={"identifier": "Mo@Example.com", "name": "Mo Mail", "role": "agency_admin"})
    assert (by_phone.status_code, by_mail.status_code) == (201, 201)
    assert (by_phone.json()["phone"], by_mail.json()["email"]) == ("+14155550403", "mo@example.com")
    pat = by_phone.json()["person_id"]
    changed = await api.patch(f"/agencies/{x}/members/{pat}", headers=owner, json={"role": "agency_admin"})
    assert changed.status_code == 200 and changed.json()["role"] == "agency_admin"
    assert (await api.delete(f"/agencies/{x}/members/{pat}", headers=owner)).status_code == 204
    listed = (await api.get(f"/agencies/{x}/members", headers=owner)).json()["data"]
    assert [(m["name"], m["role"], m["active"]) for m in listed] == [
        ("Abe Admin", "agency_admin", True), ("Mo Mail", "agency_admin", True), ("Pat Phone", "agency_admin", False),
        ("Sue Staff", "agency_staff", True), ("Xena Owner", "agency_owner", True)]
    newest = (await api.get(f"/agencies/{x}/audit", params={"limit": 3}, headers=owner)).json()
    assert [(e["action"], e["entity_id"], (e["before"] or {}).get("role"), (e["after"] or {}).get("role"),
             e["actor_name"]) for e in newest["data"]] == [
        ("deactivate", f"{x}/{pat}", "agency_admin", None, "Xena Owner"),
        ("update", f"{x}/{pat}", "agency_staff", "agency_admin", "Xena Owner"),
        ("add", f"{x}/{by_mail.json()['person_id']}", None, "agency_admin", "Xena Owner")]
    older = (await api.get(f"/agencies/{x}/audit", params={"cursor": newest["next"]}, headers=owner)).json()
    assert ("add", f"{x}/{pat}") in [(e["action"], e["entity_id"]) for e in older["data"]]
    assert (await api.get(f"/agencies/{x}/audit", headers=agency["sessions"]["staff"])).status_code == 403
    assert await published(identity_engine, pat) == [
        "AgencyMemberAdded", "AgencyMemberRoleChanged", "AgencyMemberDeactivated"]


async def test_a_removed_agency_member_leaves_its_clients_teams_once_and_loses_access(api, agency, identity_engine):
    x, staff, owner = agency["id"], agency["staff"], agency["sessions"]["owner"]
    client = agency["client"]
    assert (await api.get(f"/clients/{client}", headers=agency["sessions"]["staff"])).status_code == 200
    for _ in range(2):  # removing twice is removing once
        assert (await api.delete(f"/agencies/{x}/members/{staff}", headers=owner)).status_code == 204
    assert (await api.get(f"/clients/{client}", headers=agency["sessions"]["staff"])).status_code == 404
    assert (await api.get(f"/agencies/{x}/members", headers=agency["sessions"]["staff"])).status_code == 404
    assert await published(identity_engine, staff) == [
        "AgencyMemberAdded", "MemberAdded", "MemberDeactivated", "AgencyMemberDeactivated"]
    async with identity_engine.connect() as db:
        before = await db.scalar(text("SELECT before FROM audit_log WHERE entity = 'client_membership' "
                                      "AND action = 'deactivate' AND entity_id = :id"), {"id": f"{client}/{staff}"})
    assert before["role"] == "client_member"


async def test_an_admin_grants_only_roles_within_their_own_and_nobody_removes_the_last_owner(
        api, agency, identity_engine):
    x, s = agency["id"], agency["sessions"]
    owner, admin, staff = agency["owner"], agency["admin"], agency["staff"]
    async with identity_engine.connect() as db:
        before = await db.scalar(text("SELECT count(*) FROM audit_log"))
    refused = [
        await api.post(f"/agencies/{x}/members", headers=s["admin"],
                       json={"identifier": "+14155550404", "name": "Made Owner", "role": "agency_owner"}),
        await api.patch(f"/agencies/{x}/members/{admin}", headers=s["admin"], json={"role": "agency_owner"}),
        await api.patch(f"/agencies/{x}/members/{owner}", headers=s["admin"], json={"role": "agency_staff"}),
        await api.delete(f"/agencies/{x}/members/{owner}", headers=s["admin"]),
        await api.post(f"/agencies/{x}/members", headers=s["admin"],  # a re-invite is no back door
                       json={"identifier": "+14155550400", "name": "Xena", "role": "agency_staff"}),
        await api.post(f"/agencies/{x}/members", headers=s["staff"],
                       json={"identifier": "+14155550405", "name": "Nope", "role": "agency_staff"}),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    last_owner = [await api.patch(f"/agencies/{x}/members/{owner}", headers=s["owner"], json={"role": "agency_admin"}),
                  await api.delete(f"/agencies/{x}/members/{owner}", headers=s["owner"])]
    assert [r.status_code for r in last_owner] == [409, 409] and "last owner" in last_owner[1].json()["error"]
    async with identity_engine.connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM audit_log")) == before  # nothing changed
    assert (await api.patch(f"/agencies/{x}/members/{staff}", headers=s["admin"],
                            json={"role": "agency_admin"})).status_code == 200  # within their own


async def test_another_agency_sees_nothing_and_bad_input_is_named(api, agency):
    x, y_owner, owner = agency["id"], agency["sessions"]["y_owner"], agency["sessions"]["owner"]
    for method, path, body in [("GET", f"/agencies/{x}/members", None),
                               ("POST", f"/agencies/{x}/members", {"identifier": "+14155550406", "name": "M",
                                                                   "role": "agency_staff"}),
                               ("PATCH", f"/agencies/{x}/members/{agency['staff']}", {"role": "agency_owner"}),
                               ("DELETE", f"/agencies/{x}/members/{agency['staff']}", None)]:
        answer = await api.request(method, path, json=body, headers=y_owner)
        assert answer.status_code == 404 and "Sue" not in answer.text, (method, path)
    bad = [await api.post(f"/agencies/{x}/members", headers=owner, json={"identifier": "12", "name": "N",
                                                                         "role": "agency_staff"}),
           await api.post(f"/agencies/{x}/members", headers=owner, json={"identifier": "+14155550407", "name": "N",
                                                                         "role": "client_owner"}),
           await api.get(f"/agencies/{x}/members", params={"limit": 101}, headers=owner),
           await api.get(f"/agencies/{x}/members", params={"cursor": "nonsense"}, headers=owner)]
    assert [b.status_code for b in bad] == [400, 422, 422, 400]
    assert "identifier" in bad[0].text and "role" in bad[1].text and "limit" in bad[2].text


async def test_the_agency_team_comes_a_keyset_page_at_a_time(api, agency):
    x, owner = agency["id"], agency["sessions"]["owner"]
    first = (await api.get(f"/agencies/{x}/members", params={"limit": 2}, headers=owner)).json()
    rest = (await api.get(f"/agencies/{x}/members", params={"cursor": first["next"]}, headers=owner)).json()
    assert [m["name"] for m in first["data"] + rest["data"]] == ["Abe Admin", "Sue Staff", "Xena Owner"]
    assert rest["next"] is None
