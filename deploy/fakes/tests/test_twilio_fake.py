"""The Twilio fake, driven through the official twilio SDK against a real uvicorn server."""
import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl

import aiohttp
import pytest
from fastapi import FastAPI, Request, Response
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from revgen_common.testing.clock import FakeClock
from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.twilio import RecordedRequest, RequestLog, TwilioState, create_app, faulty_app

# twilio 9.13's AsyncTwilioHttpClient still hands aiohttp its deprecated BasicAuth: not ours to fix.
pytestmark = [pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning")]

LEAD = "+15557654321"
CLIENT_NUMBER = "+15550001111"


@contextlib.asynccontextmanager
async def served(app):
    port = free_port()
    async with serve_app(app, port):
        yield f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def async_sdk(state: TwilioState, base_url: str, password: str | None = None):
    client = Client(state.account_sid, password or state.auth_token, http_client=AsyncTwilioHttpClient())
    client.api.base_url = base_url
    try:
        yield client
    finally:
        await client.http_client.close()


@dataclass
class CallbackSink:
    """Our side of Twilio's status callbacks: records what arrives at `url`."""
    url: str = ""
    received: list[tuple[dict[str, str], dict[str, str]]] = field(default_factory=list)

    def statuses(self) -> list[str]:
        return [params["MessageStatus"] for params, _ in self.received]


@pytest.fixture
async def sink():
    sink = CallbackSink()
    app = FastAPI()

    @app.post("/twilio/status")
    async def status(request: Request):
        sink.received.append((dict(parse_qsl((await request.body()).decode())), dict(request.headers)))
        return Response()

    async with served(app) as base_url:
        sink.url = base_url + "/twilio/status"
        yield sink


async def test_a_message_sent_with_the_async_sdk_comes_back_from_fetch_and_from_a_paged_list_by_number():
    state = TwilioState(clock=FakeClock())
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="We can come at 3pm.")
        for n in range(4):
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body=f"follow-up {n}")
        await client.messages.create_async(to="+15559990000", from_=CLIENT_NUMBER, body="someone else")

        fetched = await client.messages(sent.sid).fetch_async()
        listed = await client.messages.list_async(to=LEAD, page_size=2)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sent.sid)
    assert (sent.status, sent.to, sent.from_, sent.account_sid) == ("queued", LEAD, CLIENT_NUMBER, state.account_sid)
    assert sent.num_segments == "1" and sent.error_code is None and sent.direction == "outbound-api"
    assert sent.uri == f"/2010-04-01/Accounts/{state.account_sid}/Messages/{sent.sid}.json"
    assert sent.date_created == state.clock()  # Twilio's clock: the fake's, in whole seconds
    assert fetched.sid == sent.sid and fetched.body == "We can come at 3pm."
    # Newest first, across three pages of two, and only the lead's messages.
    assert [m.body for m in listed] == [f"follow-up {n}" for n in (3, 2, 1, 0)] + ["We can come at 3pm."]
    assert [m.sid for m in state.sent_to(LEAD)] == [m.sid for m in reversed(listed)]


async def test_the_synchronous_sdk_reaches_the_fake_too_and_filters_by_sender_and_date_sent():
    state = TwilioState(clock=FakeClock())
    async with served(create_app(state)) as base_url:
        client = Client(state.account_sid, state.auth_token)
        client.api.base_url = base_url
        # requests blocks: keep it off the event loop that serves the fake.
        await asyncio.to_thread(client.messages.create, to=LEAD, from_=CLIENT_NUMBER, body="from us")
        await asyncio.to_thread(client.messages.create, to=LEAD, from_="+15550002222", body="from another")
        await state.flush_callbacks()  # both are sent, so they have a DateSent
        ours = await asyncio.to_thread(client.messages.list, from_=CLIENT_NUMBER,
                                       date_sent_after=state.clock() - timedelta(minutes=5))
        tomorrow = await asyncio.to_thread(client.messages.list, date_sent_after=state.clock() + timedelta(days=1))

    assert [m.body for m in ours] == ["from us"]
    assert tomorrow == []


async def test_a_page_token_keeps_paging_stable_when_new_messages_arrive_between_pages():
    state = TwilioState()
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        for n in range(4):
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body=f"m{n}")
        first = await client.messages.page_async(to=LEAD, page_size=2)
        await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="arrived meanwhile")
        second = await first.next_page_async()

    assert [m.body for m in first] == ["m3", "m2"]
    assert [m.body for m in second] == ["m1", "m0"]


async def test_wrong_credentials_are_refused_with_twilios_401_authenticate_error():
    state = TwilioState()
    async with served(create_app(state)) as base_url, async_sdk(state, base_url, password="wrong") as client:
        with pytest.raises(TwilioRestException) as refused:
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi")

    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert state.messages == []


async def test_an_invalid_to_number_is_refused_with_21211():
    state = TwilioState()
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        with pytest.raises(TwilioRestException) as refused:
            await client.messages.create_async(to="555-CALL-NOW", from_=CLIENT_NUMBER, body="hi")

    assert (refused.value.status, refused.value.code) == (400, 21211)
    assert "Invalid 'To' Phone Number" in refused.value.msg
    assert state.messages == []


async def test_sending_to_an_unsubscribed_recipient_is_refused_with_21610_and_nothing_is_sent():
    state = TwilioState()
    state.unsubscribe(LEAD)
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        with pytest.raises(TwilioRestException) as refused:
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi")
        allowed = await client.messages.create_async(to="+15559990000", from_=CLIENT_NUMBER, body="hi")

    assert (refused.value.status, refused.value.code) == (400, 21610)
    assert state.sent_to(LEAD) == [] and allowed.status == "queued"


async def test_an_inbound_stop_opts_the_lead_out_of_that_sender_as_twilio_does():
    state = TwilioState()
    params, _ = state.inbound_sms_request("https://hooks.example/twilio/sms", LEAD, CLIENT_NUMBER, " stop ")
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        with pytest.raises(TwilioRestException) as refused:
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi")
        other_sender = await client.messages.create_async(to=LEAD, from_="+15550002222", body="hi")

    assert params["OptOutType"] == "STOP"
    assert refused.value.code == 21610 and other_sender.status == "queued"


async def test_status_callbacks_are_signed_as_twilio_signs_them_and_end_delivered(sink):
    state = TwilioState()
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi", status_callback=sink.url)
        await state.flush_callbacks()
        fetched = await client.messages(sent.sid).fetch_async()

    validator = RequestValidator(state.auth_token)
    assert sink.statuses() == ["sent", "delivered"]  # none for the initial "queued"
    for params, headers in sink.received:
        assert validator.validate(sink.url, params, headers["x-twilio-signature"])
        assert (params["MessageSid"], params["From"], params["To"]) == (sent.sid, CLIENT_NUMBER, LEAD)
    assert not validator.validate(sink.url + "?forged=1", *sink.received[0])
    assert fetched.status == "delivered" and fetched.date_sent is not None


async def test_with_callbacks_off_a_message_still_ends_delivered_and_nothing_is_posted(sink):
    state = TwilioState(send_callbacks=False)
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi", status_callback=sink.url)
        await state.flush_callbacks()
        fetched = await client.messages(sent.sid).fetch_async()

    assert fetched.status == "delivered"
    assert sink.received == [] and state.callbacks == []


async def test_callbacks_really_arrive_twice_and_out_of_order_when_asked_to(sink):
    state = TwilioState(duplicate_callbacks=True, shuffle_callbacks=True, seed=7)
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi", status_callback=sink.url)
        await state.flush_callbacks()
        fetched = await client.messages(sent.sid).fetch_async()

    statuses = sink.statuses()
    assert sorted(statuses) == ["delivered", "delivered", "sent", "sent"]
    last_sent = len(statuses) - 1 - statuses[::-1].index("sent")
    assert statuses.index("delivered") < last_sent  # a "sent" arrived after a "delivered"
    tokens = {}
    for params, headers in sink.received:
        tokens.setdefault(params["MessageStatus"], set()).add(headers["i-twilio-idempotency-token"])
    assert all(len(same) == 1 for same in tokens.values())  # a duplicate carries the original's token
    assert fetched.status == "delivered"


async def test_a_failed_delivery_ends_undelivered_with_its_error_code(sink):
    state = TwilioState()
    state.fail_delivery(LEAD, error_code=30006)
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi", status_callback=sink.url)
        await state.flush_callbacks()
        fetched = await client.messages(sent.sid).fetch_async()

    assert sink.statuses() == ["sent", "undelivered"]
    assert sink.received[-1][0]["ErrorCode"] == "30006"
    assert (fetched.status, fetched.error_code) == ("undelivered", 30006)


async def test_a_message_stays_queued_until_the_callback_delay_has_passed(sink):
    state = TwilioState(callback_delay=0.2)
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi", status_callback=sink.url)
        early = await client.messages(sent.sid).fetch_async()
        callbacks_before_the_delay = len(sink.received)
        await state.flush_callbacks()

    assert early.status == "queued" and callbacks_before_the_delay == 0
    assert len(sink.received) == 2


async def test_through_a_messaging_service_a_message_is_accepted_then_queued_with_a_sender(sink):
    state = TwilioState()
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        sent = await client.messages.create_async(to=LEAD, messaging_service_sid="MG" + "1" * 32, body="hi",
                                                  status_callback=sink.url)
        await state.flush_callbacks()

    assert (sent.status, sent.from_, sent.num_segments) == ("accepted", None, "0")
    assert sink.statuses() == ["queued", "sent", "delivered"]
    assert sink.received[0][0]["From"] == state.service_sender


async def test_a_429_surfaces_as_a_twilio_rest_exception_with_retry_after_and_sends_nothing():
    state = TwilioState()
    app = faulty_app(state)
    app.script("429:retry_after=2")
    async with served(app) as base_url, async_sdk(state, base_url) as client:
        with pytest.raises(TwilioRestException) as limited:
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi")
        retry_after = client.http_client._test_only_last_response.headers["Retry-After"]

    assert (limited.value.status, limited.value.code) == (429, 20429)
    assert retry_after == "2"
    assert state.messages == []
    assert [r.status for r in state.requests.entries] == [429]  # counted though the app never saw it


async def test_a_dropped_response_leaves_the_message_accepted_while_the_sdk_sees_a_connection_error():
    state = TwilioState()
    app = faulty_app(state)
    app.script("drop_response")
    async with served(app) as base_url, async_sdk(state, base_url) as client:
        with pytest.raises(aiohttp.ClientError):
            await client.messages.create_async(to=LEAD, from_=CLIENT_NUMBER, body="hi")

    assert [m.body for m in state.sent_to(LEAD)] == ["hi"]


def test_the_request_log_finds_the_busiest_window():
    log = RequestLog([RecordedRequest(at, "POST", "/m", "", {}) for at in (0.0, 1.0, 2.0, 10.5, 11.0, 30.0)])
    log.entries.append(RecordedRequest(5.0, "GET", "/m", "", {}))

    assert log.max_in_window(10.0, method="POST") == 4  # 1.0, 2.0, 10.5, 11.0
    assert log.max_in_window(10.0) == 5
    assert log.max_in_window(0.1) == 1


async def test_inbound_sms_and_call_status_webhooks_are_signed_for_the_given_url():
    state = TwilioState()
    url = "https://hooks.revgen.example/webhooks/twilio/sms?tenant=7"
    sms, sms_headers = state.inbound_sms_request(url, LEAD, CLIENT_NUMBER, "Do you fix leaks?")
    call, call_headers = state.call_status_request(url, LEAD, CLIENT_NUMBER, "completed")
    validator = RequestValidator(state.auth_token)

    assert validator.validate(url, sms, sms_headers["X-Twilio-Signature"])
    assert validator.validate(url, call, call_headers["X-Twilio-Signature"])
    assert not validator.validate(url, {**sms, "Body": "tampered"}, sms_headers["X-Twilio-Signature"])
    assert (sms["From"], sms["To"], sms["AccountSid"]) == (LEAD, CLIENT_NUMBER, state.account_sid)
    assert re.fullmatch(r"SM[0-9a-f]{32}", sms["MessageSid"]) and call["CallStatus"] == "completed"


async def test_an_owned_number_is_listed_by_phone_number_and_released_once_as_twilio_does():
    state = TwilioState()
    owned = state.buy_number(CLIENT_NUMBER)
    state.buy_number("+15550002222")
    async with served(create_app(state)) as base_url, async_sdk(state, base_url) as client:
        listed = await client.incoming_phone_numbers.list_async(phone_number=CLIENT_NUMBER)
        released = await client.incoming_phone_numbers(owned.sid).delete_async()
        with pytest.raises(TwilioRestException) as again:
            await client.incoming_phone_numbers(owned.sid).delete_async()
        after = await client.incoming_phone_numbers.list_async(phone_number=CLIENT_NUMBER)

    assert [(n.sid, n.phone_number) for n in listed] == [(owned.sid, CLIENT_NUMBER)]
    assert released is True and again.value.status == 404 and again.value.code == 20404
    assert after == [] and not state.owns(CLIENT_NUMBER) and state.owns("+15550002222")
