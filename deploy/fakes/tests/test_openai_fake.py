"""The OpenAI fake, driven through the official openai SDK against a real uvicorn server."""
import asyncio
import contextlib
import time

import openai
import pytest

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.openai import OpenAIState, create_app, faulty_app

MODEL = "gpt-4o-mini"


def ask(text: str) -> list[dict]:
    return [{"role": "system", "content": "You answer leads for a plumber."}, {"role": "user", "content": text}]


@contextlib.asynccontextmanager
async def sdk_against(app, api_key: str = "sk-test", **options):
    port = free_port()
    async with serve_app(app, port):
        client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=api_key,
                                    **{"max_retries": 0, **options})
        try:
            yield client
        finally:
            await client.close()


async def test_a_chat_completion_parses_into_the_sdks_types_with_the_echo_reply():
    state = OpenAIState()
    async with sdk_against(create_app(state)) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=ask("Do you fix leaks?"))

    assert completion.id.startswith("chatcmpl-") and completion.object == "chat.completion"
    assert completion.model == MODEL and completion.created > 0
    choice = completion.choices[0]
    assert (choice.message.role, choice.finish_reason) == ("assistant", "stop")
    assert choice.message.content == "echo: Do you fix leaks?"
    usage = completion.usage
    assert usage.prompt_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert state.completions[0].messages == ask("Do you fix leaks?")


async def test_replies_come_from_the_pluggable_responder_whether_sync_or_async():
    state = OpenAIState(responder=lambda messages: f"{len(messages)} messages seen")
    async with sdk_against(create_app(state)) as client:
        sync_reply = await client.chat.completions.create(model=MODEL, messages=ask("hi"))

        async def slow_responder(messages):
            await asyncio.sleep(0)
            return messages[-1]["content"].upper()

        state.responder = slow_responder
        async_reply = await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    assert sync_reply.choices[0].message.content == "2 messages seen"
    assert async_reply.choices[0].message.content == "HI"


async def test_a_reply_longer_than_max_tokens_is_cut_with_finish_reason_length():
    state = OpenAIState(responder=lambda messages: "word " * 100)
    async with sdk_against(create_app(state)) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=ask("hi"), max_completion_tokens=5)

    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 5


async def test_latency_is_honoured_per_request_and_requests_overlap_rather_than_queue():
    state = OpenAIState(latency=0.4)
    async with sdk_against(create_app(state)) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.chat.completions.create(model=MODEL, messages=ask(str(n))) for n in range(3)))
        elapsed = time.monotonic() - started

    assert 0.4 <= elapsed < 1.2  # three in series would take 1.2 s
    assert state.max_in_flight() == 3
    assert all(r.finished_at - r.started_at >= 0.4 for r in state.completions)


async def test_completions_are_counted_per_user_and_per_header_for_fair_share_assertions():
    state = OpenAIState()
    async with sdk_against(create_app(state), default_headers={"X-Tenant": "acme"}) as client:
        for user in ("lead-1", "lead-1", "lead-2"):
            await client.chat.completions.create(model=MODEL, messages=ask("hi"), safety_identifier=user)
        await client.chat.completions.create(model=MODEL, messages=ask("hi"), user="legacy-user")

    assert state.count_by() == {"lead-1": 2, "lead-2": 1, "legacy-user": 1}
    assert state.count_by(lambda r: r.headers.get("x-tenant")) == {"acme": 4}


async def test_a_missing_or_wrong_api_key_is_refused_with_401_in_openais_format():
    state = OpenAIState()
    async with sdk_against(create_app(state), api_key="sk-not-the-right-one") as client:
        with pytest.raises(openai.AuthenticationError) as refused:
            await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    assert refused.value.status_code == 401 and refused.value.code == "invalid_api_key"
    assert "sk-not-the-right-one" not in refused.value.message  # masked, as OpenAI does
    assert state.completions == []


async def test_an_empty_messages_list_is_refused_as_a_bad_request_naming_the_parameter():
    async with sdk_against(create_app(OpenAIState())) as client:
        with pytest.raises(openai.BadRequestError) as refused:
            await client.chat.completions.create(model=MODEL, messages=[])

    assert refused.value.param == "messages" and refused.value.type == "invalid_request_error"


async def test_a_429_surfaces_as_rate_limit_error_with_retry_after_and_rate_limit_headers():
    state = OpenAIState()
    app = faulty_app(state)
    app.script("429:retry_after=2")
    async with sdk_against(app) as client:
        with pytest.raises(openai.RateLimitError) as limited:
            await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    error = limited.value
    assert (error.status_code, error.type, error.code) == (429, "requests", "rate_limit_exceeded")
    assert error.response.headers["retry-after"] == "2"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert state.completions == [] and state.requests.count("POST", "/v1/chat/completions") == 1


async def test_the_sdks_own_retry_waits_out_retry_after_before_trying_again():
    state = OpenAIState()
    app = faulty_app(state)
    app.script("429:retry_after=1")
    async with sdk_against(app, max_retries=1) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    first, second = state.requests.times("POST", "/v1/chat/completions")
    assert completion.choices[0].message.content == "echo: hi"
    assert second - first >= 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_surface_as_internal_server_error_in_openais_format(status):
    app = faulty_app(OpenAIState())
    app.script(str(status))
    async with sdk_against(app) as client:
        with pytest.raises(openai.InternalServerError) as failed:
            await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    assert failed.value.status_code == status and failed.value.type == "server_error"


async def test_a_hang_ends_in_the_sdks_timeout():
    state = OpenAIState()
    app = faulty_app(state)
    app.script("hang")
    async with sdk_against(app, timeout=0.5) as client:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    assert state.completions == []


async def test_a_dropped_response_is_a_connection_error_though_the_completion_was_made():
    state = OpenAIState()
    app = faulty_app(state)
    app.script("drop_response")
    async with sdk_against(app) as client:
        with pytest.raises(openai.APIConnectionError):
            await client.chat.completions.create(model=MODEL, messages=ask("hi"))

    assert [r.reply for r in state.completions] == ["echo: hi"]
