"""A lead who opted out (messaging's LeadOptedOut) is not escalated to anyone: open
escalations are withdrawn, the timer stops re-notifying, a new request is dropped — until
LeadOptedIn (issue 16)."""
import uuid

import pytest
from sqlalchemy import text

from escalation.service_layer import lead_consent
from escalation.service_layer.claims import ClaimRefused
from escalation_testing import apply, claim_tokens, event, outcomes, requested, sent, team

LEAD = "+15550001111"  # requested()'s lead


def consent(type: str, client_id: str) -> object:
    return event(type, client_id, lead_phone=LEAD, source="message", message_sid=f"SM{uuid.uuid4().hex}",
                 changed_at="2026-11-28T15:00:00+00:00")


async def status(engine, request_id: str) -> str | None:
    async with engine.connect() as db:
        return await db.scalar(text("SELECT status FROM escalations WHERE request_id = :r"), {"r": request_id})


async def test_an_opt_out_withdraws_the_pending_escalation_and_the_timer_stops_texting_the_team(
        escalation_engine, escalations, claims, roster, clock):
    c = f"client-{uuid.uuid4().hex[:8]}"
    await team(escalation_engine, roster, c, 3)
    request = requested(c)
    await apply(escalation_engine, escalations.request, request)
    notified = len(await sent(escalation_engine, c))
    for _ in range(2):  # delivered twice: withdrawn once
        await apply(escalation_engine, lead_consent.lead_opted_out, consent("LeadOptedOut", c))
    assert await status(escalation_engine, request.payload["request_id"]) == "withdrawn"
    assert len(await outcomes(escalation_engine, "EscalationWithdrawn")) == 1
    clock.advance(hours=2)
    await escalations.run_due_steps()
    assert len(await sent(escalation_engine, c)) == notified  # no re-notification, no owners woken
    with pytest.raises(ClaimRefused):
        await claims.claim(next(iter(claim_tokens(await sent(escalation_engine, c)).values())))


async def test_whoever_claimed_the_lead_is_told_once_not_to_contact_them(
        escalation_engine, escalations, claims, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    members = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, escalations.request, requested(c))
    await claims.claim(claim_tokens(await sent(escalation_engine, c))[members[1]["phone"]])
    await apply(escalation_engine, lead_consent.lead_opted_out, consent("LeadOptedOut", c))
    told = [m for m in await sent(escalation_engine, c) if "asked not to be contacted" in m["body"]]
    assert [m["to"] for m in told] == [members[1]["phone"]]


async def test_a_request_for_an_opted_out_lead_is_dropped_until_they_opt_back_in(
        escalation_engine, escalations, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, lead_consent.lead_opted_out, consent("LeadOptedOut", c))
    dropped = requested(c)
    await apply(escalation_engine, escalations.request, dropped)
    assert await status(escalation_engine, dropped.payload["request_id"]) is None
    assert await sent(escalation_engine, c) == []
    await apply(escalation_engine, lead_consent.lead_opted_in, consent("LeadOptedIn", c))
    again = requested(c)
    await apply(escalation_engine, escalations.request, again)
    assert await status(escalation_engine, again.payload["request_id"]) == "pending"
