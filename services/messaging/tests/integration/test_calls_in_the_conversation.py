"""Voice's calls reach the lead's conversation: how each ended and the voicemail it left;
a missed call gets one speed-to-lead text, however often and by whichever path it is told."""
import uuid

from messaging.handlers import inbound_handlers
from messaging_testing import SendQueue, apply, client, twilio_event
from revgen_common.contracts.voice import CallEnded, VoicemailRecorded
from revgen_common.envelope import Envelope

LEAD = "+12125550147"


def ended(number: str, call_sid: str, outcome: str, person_id: str | None = None) -> Envelope:
    return Envelope.of(CallEnded(client_id="ignored", call_sid=call_sid, lead_phone=LEAD, client_number=number,
                                 outcome=outcome, status="completed", duration_seconds=31 if person_id else 9,
                                 person_id=person_id, ended_at="2026-11-28T15:01:00+00:00"), "voice")


def voicemail(number: str, call_sid: str) -> Envelope:
    return Envelope.of(VoicemailRecorded(client_id="ignored", call_sid=call_sid, lead_phone=LEAD, client_number=number,
                                         recording_sid="RE" + uuid.uuid4().hex, recording_url="https://api.twilio.com/r1",
                                         duration_seconds=8, recorded_at="2026-11-28T15:01:00+00:00"), "voice")


async def test_each_call_and_its_voicemail_show_in_the_conversation_and_a_missed_one_is_texted_once(messaging, twilio):
    client_id, [number] = await client(messaging)
    handlers = inbound_handlers(messaging)
    missed, answered = "CA" + uuid.uuid4().hex, "CA" + uuid.uuid4().hex
    await apply(messaging.engine, handlers[VoicemailRecorded], voicemail(number, missed))  # it may come first
    for _ in range(2):  # told twice, with different event ids
        await apply(messaging.engine, handlers[CallEnded], ended(number, missed, "missed"))
    await apply(messaging.engine, messaging.calls.call_status,  # ...and by ingress's path too
                twilio_event("TwilioCallStatusReceived", {"CallSid": missed, "To": number, "From": LEAD,
                                                          "CallStatus": "no-answer"}))
    await apply(messaging.engine, handlers[CallEnded], ended(number, answered, "answered", person_id="p1"))
    await SendQueue(messaging).drain()

    assert len(twilio.state.sent_to(LEAD)) == 1  # the speed-to-lead text, once
    [lead] = (await messaging.lead_views.leads(client_id, 10, None))["data"]
    calls = (await messaging.lead_views.conversation(client_id, uuid.UUID(lead["id"]), 50, None))["calls"]
    by_sid = {c["call_sid"]: c for c in calls}
    assert (by_sid[missed]["outcome"], by_sid[missed]["recording_url"], by_sid[missed]["recording_seconds"]) == (
        "missed", "https://api.twilio.com/r1", 8)
    assert (by_sid[answered]["outcome"], by_sid[answered]["answered_by"], by_sid[answered]["duration_seconds"]) == (
        "answered", "p1", 31)
