"""Voice's internal API fuzzed through its OpenAPI document: no 5xx, no undocumented answer.
(Its Twilio webhooks are not in the document: they are exercised signed, and forged, by
test_calls.py.) 20 examples of each kind per operation, not the usual 40: each valid settings
example also starts a synthesis, and the suite's time is shared."""
from revgen_testing.api_fuzzing import Target, fuzz
from voice_testing import running_voice


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(infra, all_topics, voice_engine, elevenlabs, clock):
    async with running_voice(infra, voice_engine, elevenlabs.url, clock) as voice:
        openapi = (await voice.api.get("/openapi.json")).json()
        report = await fuzz(Target(openapi, str(voice.api.base_url)), max_examples=20)
    print(f"\nvoice: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
