"""Messaging's API fuzzed through its OpenAPI document: no 5xx, no undocumented answer."""
import uuid

from messaging.bootstrap import create_app
from messaging.settings import MessagingSettings
from messaging_testing import OPENAI_KEY, PLATFORM_NUMBER
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_testing.api_fuzzing import Target, fuzz


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(infra, all_topics, messaging_engine, twilio, openai):
    settings = MessagingSettings(
        kafka_bootstrap_servers=infra.bootstrap_servers, port=free_port(),
        messaging_database_url=messaging_engine.url.render_as_string(hide_password=False),
        twilio_account_sid=twilio.state.account_sid, twilio_auth_token=twilio.state.auth_token,
        twilio_api_base=twilio.url, status_callback_url="https://ingress.revgen.example/webhooks/twilio/status",
        platform_number=PLATFORM_NUMBER, openai_api_key=OPENAI_KEY, openai_base_url=openai.url,
        messaging_api_token=TEST_API_TOKEN, resend_api_key="re_test", email_from="RevGen <login@revgen.example>")
    client_id, number = f"client-{uuid.uuid4().hex[:8]}", "+14155550142"
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as api:
        assert (await api.put(f"/clients/{client_id}/profile", json={
            "business_name": "Fuzz Fixers", "numbers": [number]})).status_code == 200
        openapi = (await api.get("/openapi.json")).json()
        report = await fuzz(Target(openapi, str(api.base_url), path_parameters={
            "client_id": client_id, "number": number}))
    print(f"\nmessaging: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
