"""Escalation's API fuzzed through its OpenAPI document: no 5xx, no undocumented answer."""
from escalation.bootstrap import create_app
from escalation.settings import EscalationSettings
from escalation_testing import CLAIM_BASE, apply, claim_tokens, event, requested, sent
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_testing.api_fuzzing import Target, fuzz


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(infra, all_topics, escalation_engine, escalations, roster,
                                                                clock):
    await apply(escalation_engine, roster.member_added, event(
        "MemberAdded", "c-fuzz", person_id="p1", name="Tech", phone="+15552000001", role="client_member"))
    await apply(escalation_engine, escalations.request, requested("c-fuzz"))
    (token,) = claim_tokens(await sent(escalation_engine)).values()
    settings = EscalationSettings(kafka_bootstrap_servers=infra.bootstrap_servers, claim_base_url=CLAIM_BASE,
                                  escalation_database_url=escalation_engine.url.render_as_string(hide_password=False),
                                  port=free_port(), escalation_api_token=TEST_API_TOKEN)
    async with serve_app(create_app(settings, clock), settings.port, headers=TEST_API_HEADERS) as api:
        openapi = (await api.get("/openapi.json")).json()
        report = await fuzz(Target(openapi, str(api.base_url), path_parameters={"token": token}))
    print(f"\nescalation: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
