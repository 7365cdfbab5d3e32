"""E-mail beside SMS (ADR 0018): a SendMessage to an address goes out once through Resend,
under the send's id as its Idempotency-Key, paced to the account's limit and held by a 429's
Retry-After; a refusal is recorded and said; a bounce or complaint suppresses the address."""
import json
import uuid

import pytest

from messaging.adapters.resend_sender import OUTAGE_HOLD_SECONDS
from messaging.service_layer.email_events import resend_event
from messaging_testing import EmailQueue, apply, outbox, scalar
from revgen_common import Delivered
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.webhooks import ResendEventReceived
from revgen_common.envelope import Envelope
from revgen_common.errors import NotYet, PermanentError, TransientError

CODE = "Your RevGen login code is 123456. It expires in 10 minutes."


async def command(messaging, to: str, purpose: str = "otp", subject: str | None = "Your RevGen login code",
                  client_id: str | None = None) -> Envelope:
    envelope = Envelope.of(SendMessage(to=to, body=CODE, subject=subject, purpose=purpose, client_id=client_id),
                           "identity")
    await apply(messaging.engine, messaging.commands.send_message, envelope)
    return envelope


async def requested(messaging) -> list[Delivered]:
    requests = await outbox(messaging.engine, "messaging.emails", "EmailRequested")
    return [Delivered.of(Envelope.model_validate(m)) for m in requests]


async def events(messaging, type: str) -> list[dict]:
    return [m["payload"] for m in await outbox(messaging.engine, "messaging.events", type)]


def webhook(resend, clock, email, type: str, **options) -> Envelope:
    """What ingress publishes for Resend's webhook about `email`, received now (a fresh envelope
    each time, as if its dedup had been bypassed: the handler must absorb copies itself)."""
    body, headers = resend.state.webhook(email, type, at=clock.now, **options)
    event = ResendEventReceived(provider_id=headers["svix-id"], received_at=clock.now,
                                raw=json.loads(body), resend_type=type)
    return Envelope.of(event, "ingress")


async def test_an_email_goes_out_once_with_its_subject_however_often_its_command_and_send_are_handled(
        emailing, resend):
    envelope = await command(emailing, "Ada.Lovelace@Example.com")
    await apply(emailing.engine, emailing.commands.send_message, envelope)  # a redelivered command
    [request] = await requested(emailing)
    await EmailQueue(emailing).drain()
    await emailing.emails.send(request)  # a redelivered send

    [sent] = resend.state.emails
    assert (sent.to, sent.subject, sent.text) == (("ada.lovelace@example.com",), "Your RevGen login code", CODE)
    assert sent.from_ == "RevGen <login@revgen.example>"
    assert [e["email_id"] for e in await events(emailing, "EmailSent")] == [sent.id]
    assert await scalar(emailing.engine, "SELECT resend_id FROM email_sends WHERE status = 'sent'") == sent.id
    assert await scalar(emailing.engine, "SELECT count(*) FROM sends") == 0  # no SMS row, no Twilio


async def test_a_send_whose_answer_was_lost_is_tried_again_under_its_key_and_resend_sends_it_once(
        emailing, resend, ticks):
    await command(emailing, "ada@example.com")
    [request] = await requested(emailing)
    resend.faults.script("drop_response", path_prefix="/emails")
    with pytest.raises(TransientError):
        await emailing.emails.send(request)
    ticks.advance(OUTAGE_HOLD_SECONDS)
    await emailing.emails.send(request)

    [sent] = resend.state.emails
    posts = resend.state.requests.matching("POST", "/emails")
    assert [p.headers["idempotency-key"] for p in posts] == [str(request.body.send_id)] * 2
    assert await scalar(emailing.engine, "SELECT resend_id FROM email_sends") == sent.id


async def test_a_429_holds_every_email_for_its_retry_after_then_the_email_goes(emailing, resend, ticks):
    await command(emailing, "ada@example.com")
    [request] = await requested(emailing)
    resend.faults.script("429:retry_after=3", path_prefix="/emails")
    with pytest.raises(TransientError) as throttled:
        await emailing.emails.send(request)
    assert throttled.value.retry_after == 3
    ticks.advance(2.9)
    with pytest.raises(NotYet):  # still held: not even the database is asked
        await emailing.emails.send(request)
    ticks.advance(0.2)
    await emailing.emails.send(request)
    assert len(resend.state.emails) == 1 and resend.state.requests.count("POST", "/emails") == 2


async def test_the_accounts_rate_is_kept_by_waiting_not_by_drawing_429s(emailing, resend, ticks):
    for n in range(3):
        await command(emailing, f"person{n}@example.com")
    first, second, third = await requested(emailing)
    await emailing.emails.send(first)
    await emailing.emails.send(second)
    with pytest.raises(NotYet) as wait:  # 2 a second: the third waits for its turn
        await emailing.emails.send(third)
    assert 0 < wait.value.retry_after <= 0.5
    ticks.advance(wait.value.retry_after)
    await emailing.emails.send(third)
    assert len(resend.state.emails) == 3 and resend.state.requests.count("POST", "/emails") == 3


async def test_an_address_resend_refuses_is_recorded_as_failed_and_said_once_without_a_retry(emailing, resend):
    await command(emailing, "john..doe@example.com")
    [request] = await requested(emailing)
    await emailing.emails.send(request)
    await emailing.emails.send(request)  # a redelivery asks Resend nothing more

    assert resend.state.requests.count("POST", "/emails") == 1 and resend.state.emails == []
    assert await scalar(emailing.engine, "SELECT status FROM email_sends") == "failed"
    assert "Invalid `to` field" in await scalar(emailing.engine, "SELECT error FROM email_sends")
    [canceled] = await events(emailing, "MessageCanceled")
    assert (canceled["to"], canceled["reason"], canceled["purpose"]) == ("john..doe@example.com", "rejected", "otp")


@pytest.mark.parametrize(("type", "reason"), [("email.bounced", "bounced"), ("email.complained", "complained")])
async def test_a_bounce_or_complaint_suppresses_the_address_once_and_a_later_email_to_it_is_blocked(
        emailing, resend, clock, type, reason):
    await command(emailing, "ada@example.com")
    await EmailQueue(emailing).drain()
    [sent] = resend.state.emails
    for _ in range(2):  # two copies of the webhook
        await apply(emailing.engine, resend_event, webhook(resend, clock, sent, type))

    [suppressed] = await events(emailing, "EmailAddressSuppressed")
    assert (suppressed["address"], suppressed["reason"], suppressed["email_id"]) == ("ada@example.com", reason, sent.id)
    assert await scalar(emailing.engine, "SELECT status FROM email_sends") == reason
    await command(emailing, "ADA@example.com", purpose="alert", subject="A dispute opened")
    await EmailQueue(emailing).drain()  # the first again (sent: nothing happens), then the second
    assert len(resend.state.emails) == 1
    [blocked] = await events(emailing, "MessageBlocked")
    assert (blocked["to"], blocked["reason"], blocked["purpose"]) == ("ada@example.com", "suppressed", "alert")


async def test_a_transient_bounce_suppresses_nothing_and_a_delivery_never_hides_a_bounce(emailing, resend, clock):
    await command(emailing, "ada@example.com")
    await EmailQueue(emailing).drain()
    [sent] = resend.state.emails
    await apply(emailing.engine, resend_event, webhook(resend, clock, sent, "email.bounced", bounce_type="Transient"))
    assert await scalar(emailing.engine, "SELECT count(*) FROM email_suppressions") == 0
    await apply(emailing.engine, resend_event, webhook(resend, clock, sent, "email.bounced"))
    await apply(emailing.engine, resend_event, webhook(resend, clock, sent, "email.delivered"))  # late, out of order
    assert await scalar(emailing.engine, "SELECT status FROM email_sends") == "bounced"


async def test_a_command_to_a_malformed_address_is_refused_for_good(emailing):
    envelope = Envelope.of(SendMessage(to="ada@", body=CODE, purpose="otp"), "identity")
    with pytest.raises(PermanentError, match="not a valid e-mail address"):
        await apply(emailing.engine, emailing.commands.send_message, envelope)


async def test_an_email_without_a_subject_gets_its_purposes_subject(emailing, resend):
    await command(emailing, f"{uuid.uuid4().hex[:8]}@example.com", purpose="alert", subject=None)
    await EmailQueue(emailing).drain()
    assert [e.subject for e in resend.state.emails] == ["RevGen: action needed"]
