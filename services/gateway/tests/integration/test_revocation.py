"""Decisions are cached, and a change at identity reaches every gateway through
identity.events: a removed member, a deleted client or an ended session is refused within
one second, on a route only the gateway guards (messaging never hears of people)."""
import asyncio
import time

import pytest

from gateway_testing import bearer, log_in


@pytest.fixture
async def world(world, system):
    owner = bearer(await log_in(system, world.phones["x_owner"]))
    for client in (world.a, world.b):
        profile = {"business_name": client["name"]}
        assert (await system.api.put(f"/api/v1/clients/{client['id']}/profile", json=profile,
                                     headers=owner)).status_code == 200
    return world


async def seconds_until_refused(system, path: str, headers: dict, status: int, changed: float | None = None) -> float:
    """Ask again and again from the moment the change was made (`changed`, by default now)
    until the answer is `status`; how long after the change the first refused request was
    sent (the window in which a stale answer could still let someone in; a loaded machine's
    slow answers do not count)."""
    changed = time.monotonic() if changed is None else changed
    while True:
        sent = time.monotonic()
        if (await system.api.get(path, headers=headers)).status_code == status:
            return sent - changed
        assert sent - changed < 5, f"{path} still allowed 5 s after the change"
        await asyncio.sleep(0.01)


async def warm(system, path: str, headers: dict) -> None:
    hits = system.gateway.access.cache.hits
    for _ in range(2):
        assert (await system.api.get(path, headers=headers)).status_code == 200
    assert system.gateway.access.cache.hits > hits  # the second answer came from the cache


async def test_a_removed_member_is_refused_within_a_second_though_their_answer_was_cached(system, world):
    member = bearer(await log_in(system, world.phones["a_member"]))
    owner = bearer(await log_in(system, world.phones["a_owner"]))
    usage = f"/api/v1/clients/{world.a['id']}/usage"
    await warm(system, usage, member)
    removed = await system.api.delete(f"/api/v1/clients/{world.a['id']}/members/{world.person_ids['a_member']}",
                                      headers=owner)
    assert removed.status_code == 204
    assert await seconds_until_refused(system, usage, member, 404) < 1.0


async def test_a_deleted_clients_members_are_refused_within_a_second(system, world):
    member = bearer(await log_in(system, world.phones["b_member"]))
    usage = f"/api/v1/clients/{world.b['id']}/usage"
    await warm(system, usage, member)
    owner = bearer(await log_in(system, world.phones["x_owner"]))
    assert (await system.api.delete(f"/api/v1/clients/{world.b['id']}", headers=owner)).status_code == 204
    assert await seconds_until_refused(system, usage, member, 404) < 1.0


async def test_a_session_ended_through_another_gateway_is_refused_within_a_second(system, world):
    token = await log_in(system, world.phones["a_member"])
    usage = f"/api/v1/clients/{world.a['id']}/usage"
    await warm(system, usage, bearer(token))
    # Logged out at identity directly, as another gateway process would: this one hears of it
    # only through identity.events (SessionRevoked).
    await system.gateway.identity.logout(token)
    assert await seconds_until_refused(system, usage, bearer(token), 401) < 1.0


async def test_an_expired_session_is_refused_though_its_answer_was_cached(system, world):
    token = await log_in(system, world.phones["a_member"])
    usage = f"/api/v1/clients/{world.a['id']}/usage"
    await warm(system, usage, bearer(token))
    system.clock.advance(minutes=60, seconds=1)  # identity's SESSION_TTL_MINUTES is 60
    expired = await system.api.get(usage, headers=bearer(token))
    assert expired.status_code == 401 and "expired" in expired.json()["error"]


async def test_a_removed_agency_member_is_refused_within_a_second_on_the_agency_and_its_clients(system, world):
    staff = bearer(await log_in(system, world.phones["x_staff"]))
    owner = bearer(await log_in(system, world.phones["x_owner"]))
    team, usage = f"/api/v1/agencies/{world.agency_x}/members", f"/api/v1/clients/{world.a['id']}/usage"
    for path in (team, usage):
        await warm(system, path, staff)
    removed = await system.api.delete(f"{team}/{world.person_ids['x_staff']}", headers=owner)
    changed = time.monotonic()
    assert removed.status_code == 204
    # Identity itself refuses the team at once; the client's usage is guarded by the gateway
    # alone, so its cached answer lasts until identity.events says the member is gone.
    assert await seconds_until_refused(system, team, staff, 404, changed) < 1.0
    assert await seconds_until_refused(system, usage, staff, 404, changed) < 1.0
