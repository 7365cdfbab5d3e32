"""The Resend fake, driven through the official resend SDK against a real uvicorn server."""
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import resend
from resend.exceptions import RateLimitError, ResendError, ValidationError
from resend.http_client_httpx import HTTPXClient
from svix.webhooks import Webhook, WebhookVerificationError

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.resend import ResendState, create_app, faulty_app


def email(to: str = "ada@example.com", subject: str = "Your RevGen login code") -> resend.Emails.SendParams:
    return {"from": "RevGen <login@revgen.example>", "to": [to], "subject": subject, "text": "Your code is 123456."}


@contextlib.asynccontextmanager
async def sdk_against(app, api_key: str = "re_test"):
    """The SDK's settings are module attributes: set for the block, then put back."""
    saved = resend.api_key, resend.api_url, resend.default_async_http_client
    port = free_port()
    async with serve_app(app, port):
        resend.api_key, resend.api_url = api_key, f"http://127.0.0.1:{port}"
        resend.default_async_http_client = HTTPXClient()
        try:
            yield
        finally:
            resend.api_key, resend.api_url, resend.default_async_http_client = saved


async def test_an_email_is_accepted_with_an_id_and_kept_as_sent():
    state = ResendState()
    async with sdk_against(create_app(state)):
        sent = await resend.Emails.send_async(email())
        fetched = await resend.Emails.get_async(sent["id"])
    [kept] = state.sent_to("ADA@example.com")
    assert kept.id == sent["id"] == fetched["id"]
    assert (kept.subject, kept.text, kept.to) == ("Your RevGen login code", "Your code is 123456.", ("ada@example.com",))


async def test_the_same_idempotency_key_answers_the_first_id_and_sends_nothing_more():
    state = ResendState(requests_per_second=100)
    key = str(uuid.uuid4())
    async with sdk_against(create_app(state)):
        first = await resend.Emails.send_async(email(), {"idempotency_key": key})
        again = await resend.Emails.send_async(email(), {"idempotency_key": key})
        other = await resend.Emails.send_async(email(), {"idempotency_key": str(uuid.uuid4())})
        with pytest.raises(ResendError) as reused:
            await resend.Emails.send_async(email(subject="Another"), {"idempotency_key": key})
    assert first["id"] == again["id"] != other["id"]
    assert len(state.emails) == 2
    assert (reused.value.code, reused.value.error_type) == (409, "invalid_idempotent_request")


async def test_an_invalid_address_is_refused_with_a_422_validation_error():
    state = ResendState()
    async with sdk_against(create_app(state)):
        with pytest.raises(ValidationError) as refused:
            await resend.Emails.send_async(email(to="john..doe@example.com"))
    assert refused.value.code == 422 and "Invalid `to` field" in refused.value.message
    assert state.emails == []


async def test_a_missing_or_unknown_api_key_is_refused():
    async with sdk_against(create_app(ResendState()), api_key="re_wrong"):
        with pytest.raises(ResendError) as unknown:
            await resend.Emails.send_async(email())
    assert (unknown.value.code, unknown.value.error_type) == (403, "invalid_api_key")


async def test_past_the_per_second_limit_the_answer_is_429_with_retry_after_and_nothing_is_sent():
    state = ResendState(requests_per_second=2)
    async with sdk_against(create_app(state)):
        for _ in range(2):
            await resend.Emails.send_async(email())
        with pytest.raises(RateLimitError) as throttled:
            await resend.Emails.send_async(email())
    headers = {k.lower(): v for k, v in throttled.value.headers.items()}
    assert throttled.value.code == 429 and throttled.value.error_type == "rate_limit_exceeded"
    assert headers["retry-after"] == "1" and headers["ratelimit-remaining"] == "0"
    assert len(state.emails) == 2


async def test_a_scripted_outage_answers_in_resends_error_format_without_reaching_the_app():
    state = ResendState()
    app = faulty_app(state)
    app.script("503", path_prefix="/emails")
    async with sdk_against(app):
        with pytest.raises(ResendError) as down:
            await resend.Emails.send_async(email())
        await resend.Emails.send_async(email())
    assert (down.value.code, down.value.error_type) == (503, "internal_server_error")
    assert len(state.emails) == 1 and state.requests.count("POST", "/emails") == 2


def test_its_webhooks_verify_with_the_svix_package_and_a_changed_byte_does_not():
    state = ResendState()
    sent = state.accept("re_test", dict(email()), None)
    body, headers = state.webhook(sent, "email.bounced")
    Webhook(state.webhook_secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(state.webhook_secret).verify(body.replace(b"bounced", b"bouncex"), headers)
    # wall clock: svix checks the signed timestamp against the system clock
    stale, stale_headers = state.webhook(sent, "email.delivered", at=datetime.now(UTC) - timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError):
        Webhook(state.webhook_secret).verify(stale, stale_headers)
