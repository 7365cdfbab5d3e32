"""Process slots against a real PostgreSQL: each live process holds its own, a slot whose
holder is gone is the next process's, and a slot lost with its connection is taken again."""
import asyncio

from sqlalchemy import text

from revgen_common.process_slot import ProcessSlot


async def test_each_live_process_holds_its_own_slot_and_a_freed_one_is_taken_by_the_next(engine):
    first, second = await ProcessSlot.claim(engine), await ProcessSlot.claim(engine)
    assert (first.number, second.number) == (0, 1)
    assert (first.instance_id("messaging"), second.instance_id("messaging")) == ("messaging-0", "messaging-1")

    await first.release()
    replacement = await ProcessSlot.claim(engine)

    assert replacement.number == 0  # the same slot, hence the same static member ids
    await second.release()
    await replacement.release()


async def test_processes_of_another_kind_number_their_slots_apart_so_neither_takes_the_others_after_a_restart(engine):
    service = await ProcessSlot.claim(engine)
    sender = await ProcessSlot.claim(engine, kind="sender")
    assert (service.number, sender.number) == (0, 0)

    await service.release()  # messaging restarts while its sender runs on...
    restarted = await ProcessSlot.claim(engine)

    assert restarted.number == 0  # ...and gets its slot back, not the next one after the sender's
    await sender.release()
    await restarted.release()


async def test_a_slot_whose_connection_was_cut_is_taken_again_when_no_one_else_has_it(engine):
    taken: list[bool] = []
    slot = await ProcessSlot.claim(engine, on_taken=lambda: taken.append(True))
    stop = asyncio.Event()
    keeping = asyncio.create_task(slot.keep(stop, every=0.1))
    await _cut_slot_connections(engine)
    await asyncio.sleep(0.5)

    contender = await ProcessSlot.claim(engine)

    assert contender.number == 1 and taken == []  # slot 0 is held again, by its owner
    stop.set()
    await keeping
    await contender.release()
    await slot.release()


async def test_a_process_whose_slot_another_took_while_it_was_cut_off_shuts_itself_down(engine):
    taken: list[bool] = []
    slot = await ProcessSlot.claim(engine, on_taken=lambda: taken.append(True))
    await _cut_slot_connections(engine)
    usurper = await ProcessSlot.claim(engine)  # started while the first was cut off
    stop = asyncio.Event()
    keeping = asyncio.create_task(slot.keep(stop, every=0.1))
    await asyncio.sleep(0.5)

    assert usurper.number == 0 and taken, "two live processes would share slot 0"
    stop.set()
    await keeping
    await usurper.release()


async def _cut_slot_connections(engine) -> None:
    async with engine.connect() as db:
        await db.execute(text("""SELECT pg_terminate_backend(pid) FROM pg_locks
                                 WHERE locktype = 'advisory' AND classid = :space"""),
                         {"space": 0x52475053})
