"""One owner per hot lead (D3); the team told the truth; unclaimed steps each happen once; a
leaver's claims go back to the team (B7); a deleted client's leads escalated to no one (B3)."""
import asyncio
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from escalation.service_layer.claims import ClaimRefused, UnknownLink
from escalation_testing import apply, claim_tokens, event, outcomes, requested, sent, team

NEW_YORK = "America/New_York"


def client() -> str:
    return f"client-{uuid.uuid4().hex[:8]}"


async def test_20_concurrent_claims_have_exactly_one_winner_in_each_of_100_trials(
        escalation_engine, escalations, claims, roster):
    c = client()
    members = await team(escalation_engine, roster, c, 20)
    for trial in range(100):
        request = requested(c)
        await apply(escalation_engine, escalations.request, request)
        tokens = claim_tokens(await sent(escalation_engine, c))
        assert len(tokens) == 20
        results = await asyncio.gather(*(claims.claim(t) for t in tokens.values()), return_exceptions=True)
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, ClaimRefused)]
        assert (len(winners), len(losers)) == (1, 19), f"trial {trial}"
        assert all(loser.owner_name for loser in losers)  # a late claimer is told who has it
    yours = [m for m in await sent(escalation_engine, c) if m["body"].startswith("It's yours")]
    assert len(yours) == 100  # exactly one "it's yours" per escalation
    handling = [m for m in await sent(escalation_engine, c) if " is handling " in m["body"]]
    assert len(handling) == 100 * 19
    assert len(members) == 20


async def test_a_request_delivered_five_times_makes_one_escalation_and_one_round_of_notifications(
        escalation_engine, escalations, roster):
    c = client()
    await team(escalation_engine, roster, c, 3)
    request_id = uuid.uuid4().hex
    for _ in range(5):  # the same request, even under new event ids
        await apply(escalation_engine, escalations.request, requested(c, request_id))
    async with escalation_engine.connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM escalations WHERE request_id = :r"), {"r": request_id}) == 1
    assert len(await sent(escalation_engine, c)) == 3
    assert len(await outcomes(escalation_engine, "EscalationCreated")) == 1


async def test_a_deactivated_member_with_5_open_claims_has_all_5_released_and_each_renotified_once(
        escalation_engine, escalations, claims, roster):
    c = client()
    leaver, *others = await team(escalation_engine, roster, c, 3)
    for _ in range(5):
        await apply(escalation_engine, escalations.request, requested(c))
        await claims.claim(claim_tokens(await sent(escalation_engine, c))[leaver["phone"]])
    before = len(await sent(escalation_engine, c))

    await apply(escalation_engine, roster.member_deactivated,
                event("MemberDeactivated", c, person_id=leaver["person_id"]))

    assert len(await outcomes(escalation_engine, "EscalationReleased")) == 5
    renotified = (await sent(escalation_engine, c))[before:]
    assert sorted(m["to"] for m in renotified) == sorted([o["phone"] for o in others] * 5)
    async with escalation_engine.connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM escalations WHERE status = 'pending'")) == 5
    with pytest.raises(ClaimRefused):  # and the leaver cannot take one back
        await claims.claim(claim_tokens(await sent(escalation_engine, c))[leaver["phone"]])


@pytest.mark.calendar
async def test_unclaimed_escalations_are_renotified_then_escalated_to_owners_then_expired_each_once(
        escalation_engine, escalations, roster, clock):
    c = client()
    owner, member = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, escalations.request, requested(c))
    assert len(await sent(escalation_engine, c)) == 2

    clock.advance(minutes=4)
    assert await escalations.run_due_steps() == 0  # not due yet
    clock.advance(minutes=1)
    assert await escalations.run_due_steps() == 1
    assert await escalations.run_due_steps() == 0  # a second timer run finds nothing to do
    assert len(await sent(escalation_engine, c)) == 4  # re-notified: both again

    clock.advance(minutes=5)
    await asyncio.gather(escalations.run_due_steps(), escalations.run_due_steps())  # two timers at once
    assert [m["to"] for m in (await sent(escalation_engine, c))[4:]] == [owner["phone"]]  # next tier: owners

    clock.advance(minutes=5)
    await escalations.run_due_steps()
    assert len(await outcomes(escalation_engine, "EscalationExpired")) == 1
    clock.advance(minutes=30)
    assert await escalations.run_due_steps() == 0
    assert member


@pytest.mark.calendar
async def test_a_callback_with_a_due_time_starts_its_clock_at_the_due_time(escalation_engine, escalations, roster, clock):
    c = client()
    await team(escalation_engine, roster, c, 1)
    due = clock() + timedelta(hours=3)
    await apply(escalation_engine, escalations.request, requested(c, due_at=due.isoformat()))
    clock.advance(hours=2)  # before the callback is due, no step fires
    assert await escalations.run_due_steps() == 0
    clock.advance(hours=1, minutes=5)
    assert await escalations.run_due_steps() == 1


@pytest.mark.calendar
async def test_out_of_hours_only_the_owners_are_woken(escalation_engine, escalations, roster, clock):
    c = client()
    owner, member = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, roster.business_hours_set,
                event("BusinessHoursSet", c, timezone=NEW_YORK, hours=every_day(hours_apart_from(clock(), NEW_YORK))))
    await apply(escalation_engine, escalations.request, requested(c))
    assert [m["to"] for m in await sent(escalation_engine, c)] == [owner["phone"]]
    assert member


@pytest.mark.calendar
async def test_in_hours_the_whole_team_is_told(escalation_engine, escalations, roster, clock):
    c = client()
    members = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, roster.business_hours_set,
                event("BusinessHoursSet", c, timezone=NEW_YORK, hours=every_day(hours_around(clock(), NEW_YORK))))
    await apply(escalation_engine, escalations.request, requested(c))
    assert sorted(m["to"] for m in await sent(escalation_engine, c)) == sorted(m["phone"] for m in members)


def every_day(opening: list[str]) -> dict[str, list[list[str]]]:
    return {str(day): [opening] for day in range(7)}


def hours_around(instant: datetime, zone: str) -> list[str]:
    """An opening from the start of the local hour of `instant` to the hour after it."""
    hour = instant.astimezone(ZoneInfo(zone)).hour
    return [f"{hour:02d}:00", f"{(hour + 1) % 24:02d}:00"]  # 00:00 closes at midnight


def hours_apart_from(instant: datetime, zone: str) -> list[str]:
    """An opening that does not hold `instant`, in the other half of the local day."""
    return ["13:00", "14:00"] if instant.astimezone(ZoneInfo(zone)).hour < 12 else ["01:00", "02:00"]


async def test_the_owner_resolves_and_a_resolved_escalation_cannot_be_claimed(
        escalation_engine, escalations, claims, roster):
    c = client()
    first, second = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, escalations.request, requested(c))
    tokens = claim_tokens(await sent(escalation_engine, c))
    await claims.claim(tokens[first["phone"]])
    with pytest.raises(ClaimRefused):
        await claims.resolve(tokens[second["phone"]])  # not theirs
    await claims.resolve(tokens[first["phone"]])
    with pytest.raises(ClaimRefused):
        await claims.claim(tokens[second["phone"]])
    assert len(await outcomes(escalation_engine, "EscalationResolved")) == 1


async def test_a_deleted_clients_leads_are_escalated_to_no_one(escalation_engine, escalations, roster):
    c = client()
    await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, roster.client_deleted, event("ClientDeleted", c, deleted_by="agency-owner"))
    await apply(escalation_engine, escalations.request, requested(c))
    assert await sent(escalation_engine, c) == []
    assert await outcomes(escalation_engine, "EscalationCreated") == []
    async with escalation_engine.connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM escalations WHERE client_id = :c"), {"c": c}) == 0


async def test_resolving_with_a_link_nobody_was_sent_is_an_unknown_link_like_claiming_with_one(claims):
    with pytest.raises(UnknownLink):
        await claims.resolve("a-link-nobody-was-sent")


async def test_a_member_known_only_by_email_is_emailed_the_claim_link_and_told_who_won(
        escalation_engine, escalations, claims, roster):
    c = client()
    [texted] = await team(escalation_engine, roster, c, 1)
    emailed = {"person_id": f"p-{uuid.uuid4().hex[:8]}", "name": "Erin", "email": "erin@ace-plumbing.example",
               "role": "client_member"}
    await apply(escalation_engine, roster.member_added, event("MemberAdded", c, **emailed))

    await apply(escalation_engine, escalations.request, requested(c, lead_name="Jo"))
    tokens = claim_tokens(await sent(escalation_engine, c))
    assert set(tokens) == {texted["phone"], emailed["email"]}
    await claims.claim(tokens[texted["phone"]])

    to_erin = [m for m in await sent(escalation_engine, c) if m["to"] == emailed["email"]]
    assert [m["subject"] for m in to_erin] == ["Hot lead Jo", "Hot lead Jo"]
    assert "/claim/" in to_erin[0]["body"] and to_erin[1]["body"] == "Member 0 is handling Jo."
    assert all(m["subject"] is None for m in await sent(escalation_engine, c) if m["to"] == texted["phone"])
