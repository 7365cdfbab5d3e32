"""A lead a person marked do-not-contact (messaging's LeadDoNotContactChanged) is treated as
one who opted out: open escalations withdrawn (whoever had one told once, however often the
event comes), new requests (a callback included) dropped; cleared, they escalate again, and a
late older change cannot undo a newer one."""
import uuid

from sqlalchemy import text

from escalation.service_layer import lead_consent
from escalation_testing import apply, claim_tokens, event, outcomes, requested, sent, team

LEAD = "+15550001111"  # requested()'s lead


def marked(client_id: str, value: bool, at: str) -> object:
    return event("LeadDoNotContactChanged", client_id, lead_id=str(uuid.uuid4()), lead_phone=LEAD,
                 do_not_contact=value, changed_by="p-someone", changed_at=at)


async def status(engine, request_id: str) -> str | None:
    async with engine.connect() as db:
        return await db.scalar(text("SELECT status FROM escalations WHERE request_id = :r"), {"r": request_id})


async def test_marking_a_lead_withdraws_its_claimed_escalation_and_tells_the_owner_once(
        escalation_engine, escalations, claims, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    members = await team(escalation_engine, roster, c, 2)
    request = requested(c)
    await apply(escalation_engine, escalations.request, request)
    await claims.claim(claim_tokens(await sent(escalation_engine, c))[members[1]["phone"]])
    change = marked(c, True, "2026-11-28T15:00:00+00:00")
    for _ in range(2):  # redelivered, as a new envelope: nothing changes twice
        await apply(escalation_engine, lead_consent.lead_do_not_contact_changed, change.model_copy(
            update={"event_id": uuid.uuid4()}))
    assert await status(escalation_engine, request.payload["request_id"]) == "withdrawn"
    told = [m for m in await sent(escalation_engine, c) if "marked do-not-contact" in m["body"]]
    assert [m["to"] for m in told] == [members[1]["phone"]]
    assert len(await outcomes(escalation_engine, "EscalationWithdrawn")) == 1


async def test_a_callback_for_a_marked_lead_is_dropped_until_the_mark_is_cleared_and_order_does_not_matter(
        escalation_engine, escalations, roster):
    c = f"client-{uuid.uuid4().hex[:8]}"
    await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, lead_consent.lead_do_not_contact_changed, marked(c, True, "2026-11-28T15:00:00+00:00"))
    callback = requested(c, due_at="2026-11-29T15:00:00+00:00")
    await apply(escalation_engine, escalations.request, callback)
    assert await status(escalation_engine, callback.payload["request_id"]) is None
    assert await sent(escalation_engine, c) == []
    await apply(escalation_engine, lead_consent.lead_do_not_contact_changed, marked(c, False, "2026-11-28T16:00:00+00:00"))
    # an older "set" arriving late does not undo the newer "cleared"
    await apply(escalation_engine, lead_consent.lead_do_not_contact_changed, marked(c, True, "2026-11-28T15:30:00+00:00"))
    again = requested(c, due_at="2026-11-29T15:00:00+00:00")
    await apply(escalation_engine, escalations.request, again)
    assert await status(escalation_engine, again.payload["request_id"]) == "pending"
    async with escalation_engine.connect() as db:
        assert await db.scalar(text("SELECT due_at FROM escalations WHERE request_id = :r"),
                               {"r": again.payload["request_id"]}) is not None
