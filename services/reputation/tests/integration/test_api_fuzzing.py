"""Reputation's internal API fuzzed through its OpenAPI document: no 5xx, no undocumented
answer (20 examples of each kind per operation: the suite's time is shared)."""
from reputation_testing import running_reputation
from revgen_testing.api_fuzzing import Target, fuzz


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(infra, all_topics, reputation_engine, google, clock):
    async with running_reputation(infra, reputation_engine, clock, google=google, draft_replies=False) as reputation:
        openapi = (await reputation.api.get("/openapi.json")).json()
        report = await fuzz(Target(openapi, str(reputation.api.base_url)), max_examples=20)
    print(f"\nreputation: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
