"""A client's team over time: a removed member stays on record with who removed them and what
they were (D13), and the team is read a page at a time, never all at once (S4)."""
import uuid

import pytest
from sqlalchemy import text

from identity_testing import sent_codes, serve, settings_for
from revgen_devstack import free_port

OWNER = "+14155550400"


@pytest.fixture
async def agency_client(tenants):
    agency, owner = await tenants.create_agency("Agency R", OWNER, "R Owner")
    client = await tenants.create_client(owner, agency, "Rho Heating")
    return owner, uuid.UUID(client["id"])


async def test_a_removed_member_stays_on_record_with_who_removed_them_and_what_they_were(
        tenants, identity_engine, agency_client):
    owner, client = agency_client
    member = await tenants.add_member(owner, client, "+14155550401", "Riley", "client_admin")
    person = uuid.UUID(member["person_id"])

    await tenants.deactivate_member(owner, client, person)
    await tenants.deactivate_member(owner, client, person)  # twice is once

    async with identity_engine.connect() as db:
        removals = (await db.execute(text("""SELECT actor_id, before FROM audit_log
                                             WHERE action = 'deactivate' AND entity = 'client_membership'
                                               AND entity_id = :id"""), {"id": f"{client}/{person}"})).all()
        active = await db.scalar(text("SELECT active FROM client_memberships WHERE client_id = :c AND person_id = :p"),
                                 {"c": client, "p": person})
    assert [(r.actor_id, r.before["name"], r.before["role"], r.before["active"]) for r in removals] == \
        [(owner, "Riley", "client_admin", True)]
    assert active is False


async def test_a_team_is_listed_50_members_at_a_time_by_default_and_never_more_than_100(
        infra, all_topics, identity_db, identity_engine, login, clock, agency_client):
    owner, client = agency_client
    async with identity_engine.begin() as db:
        await db.execute(text("""
            WITH added AS (INSERT INTO people (id, phone, name)
                           SELECT gen_random_uuid(), '+1628555' || lpad(g::text, 4, '0'), 'Member ' || g
                           FROM generate_series(1, 120) g RETURNING id)
            INSERT INTO client_memberships (person_id, client_id, role) SELECT id, :c, 'client_member' FROM added"""),
            {"c": client})
    attempt = await login.request_code(OWNER, None)
    token = await login.verify_code(OWNER, attempt.login_attempt_id, (await sent_codes(identity_engine, OWNER))[-1])
    headers = {"Authorization": f"Bearer {token}"}
    async with serve(settings_for(identity_db, infra.bootstrap_servers, free_port()), clock) as api:
        default = await api.get(f"/clients/{client}/members", headers=headers)
        largest = await api.get(f"/clients/{client}/members", params={"limit": 100}, headers=headers)
        too_many = await api.get(f"/clients/{client}/members", params={"limit": 101}, headers=headers)
    assert len(default.json()["data"]) == 50
    assert len(largest.json()["data"]) == 100
    assert too_many.status_code == 422
