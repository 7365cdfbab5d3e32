"""AIResponder against the OpenAI fake over real HTTP, through the official SDK: replies and
handoffs, one try per call within its timeout, what each failure becomes, and the fair
share (E11)."""
import asyncio
import contextlib
import time

import pytest

from messaging.adapters.ai_responder import HANDOFF, AIRefused, AIResponder, AITimedOut, AIUnavailable
from messaging.domain.fair_share import FairShare
from revgen_common.errors import PermanentError, TransientError
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.openai import OpenAIState, faulty_app

PERSONA = "You are Sam, answering texts for Ace Plumbing in Austin."
KNOWLEDGE = "We fix leaks and water heaters, Monday to Saturday. A visit costs $89."
HISTORY = [("lead", "Hi, do you fix leaks?"), ("business", "We do! Where are you?"),
           ("lead", "South Austin. How much is a visit?")]
COMPLETIONS = "/v1/chat/completions"


@contextlib.asynccontextmanager
async def responder_against(state: OpenAIState, fair_share: FairShare | None = None, api_key: str = "sk-test",
                            **options):
    """Yields (responder, fault injector) with the fake served on a free port."""
    faults = faulty_app(state)
    port = free_port()
    async with serve_app(faults, port):
        responder = AIResponder(api_key, f"http://127.0.0.1:{port}/v1", fair_share or FairShare(4), **options)
        try:
            yield responder, faults
        finally:
            await responder.close()


async def ask(responder: AIResponder, client_id: str = "client-1", timeout: float = 5.0):
    """One try as messaging makes it: a fair-share turn taken at once (or refused), then the call."""
    async with responder.turn(client_id):
        return await responder.complete(client_id=client_id, persona=PERSONA, knowledge=KNOWLEDGE, history=HISTORY,
                                        timeout=timeout)


async def test_a_plain_answer_is_the_reply_and_not_a_handoff():
    state = OpenAIState(responder=lambda messages: "  A visit is $89. When suits you?\n")
    async with responder_against(state) as (responder, _):
        reply = await ask(responder)

    assert (reply.text, reply.handoff) == ("A visit is $89. When suits you?", False)


async def test_the_prompt_holds_persona_knowledge_handoff_rule_and_history_attributed_to_the_client():
    state = OpenAIState()
    async with responder_against(state, model="gpt-4o-mini") as (responder, _):
        await ask(responder, client_id="client-42")

    [request] = state.completions
    system, *conversation = request.messages
    assert system["role"] == "system"
    assert PERSONA in system["content"] and KNOWLEDGE in system["content"] and HANDOFF in system["content"]
    assert conversation == [{"role": "user", "content": "Hi, do you fix leaks?"},
                            {"role": "assistant", "content": "We do! Where are you?"},
                            {"role": "user", "content": "South Austin. How much is a visit?"}]
    assert request.body["user"] == request.body["safety_identifier"] == "client-42"
    assert request.model == "gpt-4o-mini"


@pytest.mark.parametrize("answer, text", [
    ("[HANDOFF] Let me get someone who can help.", "Let me get someone who can help."),
    ("[HANDOFF]", ""),
    ("", ""),
    ("   ", ""),
])
async def test_an_answer_starting_with_the_handoff_token_or_empty_hands_off(answer, text):
    state = OpenAIState(responder=lambda messages: answer)
    async with responder_against(state) as (responder, _):
        reply = await ask(responder)

    assert (reply.text, reply.handoff) == (text, True)


async def test_a_rate_limit_is_one_try_unavailable_with_openais_retry_after_and_the_slot_given_back():
    state = OpenAIState()
    fair_share = FairShare(4)
    async with responder_against(state, fair_share) as (responder, faults):
        faults.script("429:retry_after=0.3")
        with pytest.raises(AIUnavailable) as raised:
            await ask(responder)
        reply = await ask(responder)  # the caller tries again when the deadline allows

    assert raised.value.retry_after == pytest.approx(0.3)
    assert state.requests.count("POST", COMPLETIONS) == 2  # no retry of the SDK's own in between
    assert reply.text == "echo: South Austin. How much is a visit?"
    assert fair_share.in_use == 0


async def test_a_server_error_is_unavailable_without_a_retry_after():
    state = OpenAIState()
    async with responder_against(state) as (responder, faults):
        faults.script("503")
        with pytest.raises(AIUnavailable) as raised:
            await ask(responder)

    assert raised.value.retry_after is None and not isinstance(raised.value, AITimedOut)


async def test_a_hung_request_times_out_after_the_tries_timeout():
    state = OpenAIState()
    async with responder_against(state) as (responder, faults):
        faults.script("hang")
        started = time.monotonic()
        with pytest.raises(AITimedOut):
            await ask(responder, timeout=0.5)

    assert 0.5 <= time.monotonic() - started < 3


async def test_a_try_cancelled_while_the_assistant_hangs_gives_its_turn_back_and_so_does_a_cancelled_waiter():
    """The consumer cancels the preparations of a partition it lets go (ADR 0006): neither a
    try in flight nor a lead waiting for a turn may keep a slot of the client's fair share."""
    state, share = OpenAIState(), FairShare(1)
    async with responder_against(state, share) as (responder, faults):
        faults.script("hang")
        asking = asyncio.create_task(ask(responder, timeout=30))
        waiting = asyncio.create_task(_a_turn(responder, "client-2", wait=30))
        while state.requests.count("POST", COMPLETIONS) < 1:  # the first try is at the assistant
            await asyncio.sleep(0.01)
        assert share.in_use == 1 and not waiting.done()  # the second waits for the only slot

        asking.cancel()
        waiting.cancel()
        await asyncio.gather(asking, waiting, return_exceptions=True)

        assert share.in_use == 0
        assert (await ask(responder)).text  # the next lead gets the slot at once


async def _a_turn(responder: AIResponder, client_id: str, wait: float) -> None:
    async with responder.turn(client_id, wait=wait):
        pass


async def test_a_wrong_api_key_is_refused_permanently_without_retrying():
    state = OpenAIState()
    fair_share = FairShare(4)
    async with responder_against(state, fair_share, api_key="sk-wrong") as (responder, _):
        with pytest.raises(AIRefused) as raised:
            await ask(responder)

    assert isinstance(raised.value, PermanentError) and not isinstance(raised.value, TransientError)
    assert state.requests.count("POST", COMPLETIONS) == 1
    assert fair_share.in_use == 0


async def test_a_client_over_its_fair_share_is_told_to_wait_and_openai_is_not_called():
    state = OpenAIState()
    fair_share = FairShare(1)
    assert fair_share.try_acquire("client-1") == 0.0  # another request of the same client in flight
    async with responder_against(state, fair_share) as (responder, _):
        with pytest.raises(TransientError) as raised:
            await ask(responder, client_id="client-1")

    assert raised.value.retry_after > 0
    assert state.requests.count() == 0
    assert fair_share.held_by("client-1") == 1  # the refusal gave back nothing it did not take


async def test_a_surging_client_cannot_delay_another_clients_replies_or_exceed_capacity():
    capacity, surge, few = 4, 40, 4
    state = OpenAIState(latency=0.3)
    async with responder_against(state, FairShare(capacity)) as (responder, _):

        async def until_answered(client_id: str) -> None:
            while True:
                try:
                    await ask(responder, client_id)
                    return
                except TransientError as error:
                    await asyncio.sleep(error.retry_after or 0.1)  # stands in for the consumer's backoff

        await asyncio.wait_for(asyncio.gather(*[until_answered("surging") for _ in range(surge)],
                                              *[until_answered("quiet") for _ in range(few)]), timeout=30)

    assert state.count_by() == {"surging": surge, "quiet": few}
    surging_done = sorted(r.finished_at for r in state.completions if r.user == "surging")
    quiet_done = [r.finished_at for r in state.completions if r.user == "quiet"]
    assert max(quiet_done) < surging_done[surge // 2 - 1], "the quiet client waited for half the surge"
    assert state.max_in_flight() <= capacity
