"""A call a team member answered (voice's CallAnswered) is their claim of the lead, decided
by the same conditional UPDATE as every claim."""
import uuid

import pytest

from escalation.service_layer.claims import ClaimRefused
from escalation_testing import apply, claim_tokens, event, outcomes, requested, sent, team


def answered(client_id: str, person_id: str, call_sid: str, lead_phone: str = "+15550001111"):
    return event("CallAnswered", client_id, call_sid=call_sid, lead_phone=lead_phone, client_number="+15559990000",
                 person_id=person_id, answered_at="2026-11-28T15:00:00+00:00")


async def test_a_member_answering_a_call_claims_the_lead_once_even_when_the_event_comes_twice(
        escalation_engine, escalations, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    members = await team(escalation_engine, roster, c, 2)
    call_sid = "CA" + uuid.uuid4().hex
    for _ in range(2):  # a second copy with its own event id: the request id absorbs it
        await apply(escalation_engine, escalations.call_answered, answered(c, members[1]["person_id"], call_sid))

    claimed = await outcomes(escalation_engine, "EscalationClaimed")
    assert [(o["request_id"], o["person_id"]) for o in claimed] == [(f"call:{call_sid}", members[1]["person_id"])]


async def test_answering_the_call_takes_the_leads_pending_escalation_and_a_claim_link_then_loses(
        escalation_engine, escalations, claims, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    members = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, escalations.request, requested(c))
    links = claim_tokens(await sent(escalation_engine, c))

    await apply(escalation_engine, escalations.call_answered, answered(c, members[0]["person_id"], "CA" + uuid.uuid4().hex))

    claimed = await outcomes(escalation_engine, "EscalationClaimed")
    assert {o["person_id"] for o in claimed} == {members[0]["person_id"]} and len(claimed) == 2  # the SMS one and the call's
    told = [m["body"] for m in await sent(escalation_engine, c) if "handling" in m["body"]]
    assert told == ["Member 0 is handling +15550001111."]
    with pytest.raises(ClaimRefused):
        await claims.claim(links[members[1]["phone"]])


async def test_someone_off_the_team_answering_claims_nothing(escalation_engine, escalations, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    await team(escalation_engine, roster, c, 1)
    await apply(escalation_engine, escalations.call_answered, answered(c, "not-a-member", "CA" + uuid.uuid4().hex))
    assert await outcomes(escalation_engine, "EscalationClaimed") == []
