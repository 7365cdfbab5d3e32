"""A client's live stream: notices fed from Kafka (a lead's SMS through ingress), only for that
client, carrying no message text; re-authorized with each notice, so a member removed while
a page is open hears "refused" on the next one and the stream ends."""
import asyncio
import json

from gateway_testing import bearer, log_in, new_number, text_in, with_profile


async def notices(response, into: list):
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event:
            into.append((event, json.loads(line.removeprefix("data: "))))
            event = None


async def eventually_heard(heard: list, event: str, timeout: float = 60):  # the first test waits for the consumers
    for _ in range(int(timeout * 10)):
        if any(e == event for e, _ in heard):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never heard {event!r}: {heard}")


async def test_a_stream_hears_its_clients_events_from_kafka_and_no_other_clients_with_no_message_text(system, world):
    number, lead = await with_profile(system, world), new_number()
    a_member = await log_in(system, world.phones["a_member"])
    b_member = await log_in(system, world.phones["b_member"])
    heard_a, heard_b = [], []
    async with system.api.stream("GET", f"/clients/{world.a['id']}/live", headers=bearer(a_member)) as a_stream, \
            system.api.stream("GET", f"/clients/{world.b['id']}/live", headers=bearer(b_member)) as b_stream:
        assert a_stream.headers["content-type"].startswith("text/event-stream")
        tasks = [asyncio.create_task(notices(a_stream, heard_a)), asyncio.create_task(notices(b_stream, heard_b))]
        try:
            await eventually_heard(heard_a, "ready")
            await eventually_heard(heard_b, "ready")
            await text_in(system, number, lead, "Secret plans for my kitchen")
            await eventually_heard(heard_a, "change")
            kinds = {n["kind"] for e, n in heard_a if e == "change"}
            assert "MessageReceived" in kinds and all(n["lead_phone"] == lead for e, n in heard_a if e == "change")
            await asyncio.sleep(1)
            assert [e for e, _ in heard_b] == ["ready"]  # client B's page heard nothing of A's lead
            assert "Secret plans" not in json.dumps(heard_a)
        finally:
            for task in tasks:
                task.cancel()


async def test_a_member_removed_while_their_page_is_open_is_refused_on_the_next_notice_and_the_stream_ends(
        system, world):
    number, lead = await with_profile(system, world), new_number()
    member, owner = await log_in(system, world.phones["a_member"]), await log_in(system, world.phones["a_owner"])
    heard = []
    async with system.api.stream("GET", f"/clients/{world.a['id']}/live", headers=bearer(member)) as stream:
        listening = asyncio.create_task(notices(stream, heard))
        await eventually_heard(heard, "ready")
        removed = await system.api.delete(f"/api/v1/clients/{world.a['id']}/members/{world.person_ids['a_member']}",
                                          headers=bearer(owner))
        assert removed.status_code == 204
        await text_in(system, number, lead, "Hello?")
        await eventually_heard(heard, "refused")
        await asyncio.wait_for(listening, timeout=5)  # the server ended the stream
    assert [e for e, _ in heard] == ["ready", "refused"]
