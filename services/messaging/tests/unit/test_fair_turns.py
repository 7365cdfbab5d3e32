"""FairTurns: a caller that may wait for a fair-share slot of the assistant (E11) is woken
when one frees for it, fewest slots held first, instead of asking again and again."""
import asyncio

from messaging.adapters.fair_turns import FairTurns
from messaging.domain.fair_share import FairShare
from revgen_common.testing.clock import FakeMonotonic


def turns(capacity: int) -> FairTurns:
    return FairTurns(FairShare(capacity, FakeMonotonic()))


async def test_a_waiter_gets_the_slot_the_moment_it_is_released_not_at_its_next_ask():
    slots = turns(1)
    assert await slots.acquire("a") == 0.0
    waiting = asyncio.create_task(slots.acquire("b", wait=30))
    await asyncio.sleep(0)
    assert not waiting.done()

    slots.release("a")

    assert await asyncio.wait_for(waiting, timeout=1) == 0.0
    assert slots.share.held_by("b") == 1


async def test_a_freed_slot_goes_to_the_client_holding_fewest_not_to_the_longest_waiting():
    slots = turns(6)
    for _ in range(5):
        assert await slots.acquire("surging") == 0.0  # alone, it may use every slot
    assert await slots.acquire("steady") == 0.0  # the last one
    steady = asyncio.create_task(slots.acquire("steady", wait=30))  # waits first, holding 1
    await asyncio.sleep(0)
    newcomer = asyncio.create_task(slots.acquire("newcomer", wait=30))  # then one holding none
    await asyncio.sleep(0)

    slots.release("surging")

    assert await asyncio.wait_for(newcomer, timeout=1) == 0.0
    assert not steady.done() and slots.share.held_by("steady") == 1
    slots.release("surging")
    assert await asyncio.wait_for(steady, timeout=1) == 0.0


async def test_a_waiter_whose_wait_ends_holds_nothing_and_is_told_when_to_ask_again():
    slots = turns(1)
    await slots.acquire("a")

    refused = await slots.acquire("b", wait=0.05)

    assert refused > 0
    assert slots.share.held_by("b") == 0 and slots.share.in_use == 1
    slots.release("a")
    assert slots.share.in_use == 0  # nobody was left waiting to be handed it


async def test_a_waiter_cancelled_after_being_granted_gives_the_slot_back():
    slots = turns(1)
    await slots.acquire("a")
    waiting = asyncio.create_task(slots.acquire("b", wait=30))
    await asyncio.sleep(0)
    slots.release("a")  # granted to b, whose task has not run yet
    waiting.cancel()

    await asyncio.gather(waiting, return_exceptions=True)

    assert slots.share.in_use == 0


async def test_without_a_wait_a_caller_is_refused_at_once_as_before():
    slots = turns(1)
    await slots.acquire("a")

    assert await slots.acquire("b") > 0
    assert slots.share.held_by("b") == 0
