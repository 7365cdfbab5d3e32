"""TwilioSender against the Twilio fake over real HTTP, through the official SDK: what each
answer (and each lost answer) becomes, and how the Pacer keeps us off a throttling Twilio."""
import asyncio
import contextlib
from datetime import timedelta

import pytest

from messaging.adapters.twilio_sender import Accepted, RecipientUnsubscribed, SendOutcomeUnknown, SendRejected, TwilioSender
from messaging.domain.pacing import Pacer
from revgen_common.errors import NotYet, PermanentError, TransientError
from revgen_common.testing.clock import FakeClock
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.twilio import TwilioState, faulty_app

# twilio 9.13's AsyncTwilioHttpClient still hands aiohttp its deprecated BasicAuth: not ours to fix.
pytestmark = [pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning")]

LEAD = "+15557654321"
CLIENT_NUMBER = "+15550001111"
STATUS_CALLBACK = "https://revgen.example/webhooks/twilio/status"


def roomy_pacer() -> Pacer:
    """Rates no test here reaches: only a 429 makes this Pacer refuse."""
    return Pacer(per_number_per_second=100, per_account_per_second=100)


@contextlib.asynccontextmanager
async def twilio(state: TwilioState | None = None, pacer: Pacer | None = None, timeout: float = 5.0):
    """The fake behind a fault injector on a real port, and a sender aimed at it."""
    state = state or TwilioState(clock=FakeClock())
    fake = faulty_app(state)
    port = free_port()
    async with serve_app(fake, port):
        sender = TwilioSender(state.account_sid, state.auth_token, f"http://127.0.0.1:{port}", STATUS_CALLBACK,
                              pacer or roomy_pacer(), timeout=timeout)
        try:
            yield state, fake, sender
        finally:
            await sender.close()


async def test_a_send_lands_at_twilio_and_returns_its_sid():
    async with twilio() as (state, _, sender):
        accepted = await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="Hi, this is Acme Plumbing.")

    [message] = state.messages
    assert accepted == Accepted(sid=message.sid, status="queued")
    assert (message.to, message.from_, message.body) == (LEAD, CLIENT_NUMBER, "Hi, this is Acme Plumbing.")
    assert message.status_callback == STATUS_CALLBACK


async def test_a_recipient_who_unsubscribed_raises_recipient_unsubscribed_with_21610():
    state = TwilioState()
    state.unsubscribe(LEAD)
    async with twilio(state) as (_, _, sender):
        with pytest.raises(RecipientUnsubscribed) as refused:
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="hi")

    assert refused.value.code == 21610
    assert isinstance(refused.value, PermanentError)
    assert state.messages == []


async def test_an_invalid_to_number_is_rejected_for_good_but_not_as_an_unsubscribe():
    async with twilio() as (_, _, sender):
        with pytest.raises(SendRejected) as refused:
            await sender.send(to="555-CALL-NOW", from_=CLIENT_NUMBER, body="hi")

    assert refused.value.code == 21211
    assert not isinstance(refused.value, RecipientUnsubscribed)


async def test_a_429_raises_twilios_retry_after_and_the_pacer_keeps_every_send_off_twilio_until_it_passes():
    async with twilio() as (state, fake, sender):
        fake.script("429:retry_after=2")
        with pytest.raises(TransientError) as throttled:
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="first try")
        with pytest.raises(NotYet) as paced:
            await sender.send(to="+15559990000", from_="+15550002222", body="another lead, another number")
        requests_during_the_hold = state.requests.count("POST")

        await asyncio.sleep(paced.value.retry_after)  # the consumer's pause, standing in
        accepted = await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="first try")

    assert throttled.value.retry_after == 2
    assert not isinstance(throttled.value, SendOutcomeUnknown)
    assert 1.5 < paced.value.retry_after <= 2
    assert requests_during_the_hold == 1
    assert [m.sid for m in state.messages] == [accepted.sid]


async def test_a_dropped_response_is_an_unknown_outcome_and_find_sent_then_finds_what_twilio_accepted():
    async with twilio() as (state, fake, sender):
        since = state.clock()
        fake.script("drop_response")
        with pytest.raises(SendOutcomeUnknown):
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="We can come at 3pm.")
        found = await sender.find_sent(to=LEAD, from_=CLIENT_NUMBER, body="We can come at 3pm.", since=since)
        never_sent = await sender.find_sent(to=LEAD, from_=CLIENT_NUMBER, body="We can come at 4pm.", since=since)

    [message] = state.messages
    assert found is not None and found.sid == message.sid  # its status may have moved on since
    assert never_sent is None


async def test_find_sent_finds_a_message_twilio_still_has_queued_which_has_no_date_sent_yet():
    state = TwilioState(callback_delay=60, clock=FakeClock())  # it stays queued for the whole test
    since = state.clock()
    async with twilio(state) as (_, fake, sender):
        fake.script("drop_response")
        with pytest.raises(SendOutcomeUnknown):
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="hello")
        found = await sender.find_sent(to=LEAD, from_=CLIENT_NUMBER, body="hello", since=since)

    assert state.messages[0].date_sent is None
    assert found == Accepted(sid=state.messages[0].sid, status="queued")


async def test_find_sent_ignores_the_same_text_sent_to_the_lead_before_this_send_began():
    async with twilio() as (state, _, sender):
        await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="Are you still interested?")
        state.messages[0].date_created -= timedelta(days=2)  # a follow-up with the same wording, long ago
        found = await sender.find_sent(to=LEAD, from_=CLIENT_NUMBER, body="Are you still interested?",
                                       since=state.clock())

    assert found is None


async def test_a_response_that_never_comes_times_out_as_an_unknown_outcome_though_twilio_committed_it():
    async with twilio(timeout=0.5) as (state, fake, sender):
        since = state.clock()
        fake.script("hang_after_commit")
        with pytest.raises(SendOutcomeUnknown):
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="hello")
        found = await sender.find_sent(to=LEAD, from_=CLIENT_NUMBER, body="hello", since=since)

    assert found is not None and found.sid == state.messages[0].sid


async def test_a_503_is_transient_not_an_unknown_outcome_and_holds_the_account_for_one_probe():
    async with twilio() as (state, fake, sender):
        fake.script("503")
        with pytest.raises(TransientError) as failed:
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="hello")
        with pytest.raises(NotYet) as held:  # another number, another partition: Twilio is down for all
            await sender.send(to="+15559990000", from_="+15550002222", body="another lead")

    assert not isinstance(failed.value, SendOutcomeUnknown)
    assert 4 < held.value.retry_after <= 5  # the outage hold, then one probe
    assert state.messages == [] and len(state.requests.times("POST", "/2010-04-01/")) == 1


async def test_a_refused_connection_is_transient_and_safe_to_resend():
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    sender = TwilioSender("AC" + "0" * 32, "token", nobody_listens, None, roomy_pacer(), timeout=5.0)
    try:
        with pytest.raises(TransientError) as failed:
            await sender.send(to=LEAD, from_=CLIENT_NUMBER, body="hello")
    finally:
        await sender.close()

    assert not isinstance(failed.value, SendOutcomeUnknown)


async def test_six_partitions_hammering_a_twilio_that_answers_429_for_10_seconds_reach_it_at_most_6_times():
    # A client's leads sit on several partitions, all sending from the client's number. (From
    # different numbers, the requests already in flight when the first 429 comes back add
    # up to the account's burst; from then on the same one-per-Retry-After holds.)
    pacer = Pacer(per_number_per_second=1, per_account_per_second=10)
    async with twilio(pacer=pacer) as (state, fake, sender):
        fake.randomly(1.0, "429:retry_after=2")
        deadline = asyncio.get_running_loop().time() + 10

        async def partition(lead: str) -> None:
            while asyncio.get_running_loop().time() < deadline:
                try:
                    await sender.send(to=lead, from_=CLIENT_NUMBER, body="hello")
                except TransientError as error:
                    await asyncio.sleep(error.retry_after)  # the consumer's pause, standing in

        await asyncio.gather(*(partition(f"+1555765432{n}") for n in range(6)))

    assert state.requests.max_in_window(10, "POST") <= 6
    assert state.requests.count("POST") >= 4  # the probe kept asking: we did not give up on Twilio
    assert state.messages == []


async def test_releasing_a_number_deletes_it_from_the_account_and_a_second_release_finds_nothing_to_do():
    state = TwilioState()
    state.buy_number(CLIENT_NUMBER)
    state.buy_number("+15550002222")
    async with twilio(state) as (_, _, sender):
        assert await sender.release_number(CLIENT_NUMBER) == 1
        assert await sender.release_number(CLIENT_NUMBER) == 0
    assert not state.owns(CLIENT_NUMBER) and state.owns("+15550002222")


async def test_a_number_release_twilio_fails_is_transient_and_keeps_the_number_until_a_retry():
    state = TwilioState()
    state.buy_number(CLIENT_NUMBER)
    async with twilio(state) as (_, fake, sender):
        fake.script("503", method="DELETE")
        with pytest.raises(TransientError):
            await sender.release_number(CLIENT_NUMBER)
        assert state.owns(CLIENT_NUMBER)
        assert await sender.release_number(CLIENT_NUMBER) == 1
    assert not state.owns(CLIENT_NUMBER)
