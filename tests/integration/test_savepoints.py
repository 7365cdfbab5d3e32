"""`savepoint()` — on a unit of work and on a handler's context — is work that may fail
alone: when it raises, neither the rows it wrote nor the messages it published are kept,
and the transaction around it commits the rest."""
import uuid

import pytest
from sqlalchemy import insert, select

from revgen_common import UnitOfWork
from revgen_common.db import outbox
from revgen_common.envelope import Envelope
from revgen_common.handler_context import HandlerContext
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied, create_effects_table, effects


class _Refused(Exception):
    pass


async def _effect(connection, seq: int) -> None:
    await connection.execute(insert(effects).values(event_id=uuid.uuid4(), key="k", seq=seq, consumer="savepoints"))


async def _published_seqs(engine) -> list[int]:
    async with engine.connect() as db:
        values = (await db.execute(select(outbox.c.value))).scalars().all()
    return sorted(Envelope.from_bytes(value).payload["seq"] for value in values)


@pytest.mark.parametrize("through_a_handlers_context", [False, True])
async def test_a_failed_savepoint_keeps_neither_its_rows_nor_its_messages_and_the_rest_commits(
        engine, through_a_handlers_context):
    await create_effects_table(engine)
    async with UnitOfWork(engine, "test") as uow:
        work = HandlerContext(uow) if through_a_handlers_context else uow
        await _effect(uow.connection, 1)
        work.publish(EffectRequested(seq=1))
        with pytest.raises(_Refused):
            async with work.savepoint():
                await _effect(uow.connection, 2)
                work.publish(EffectRequested(seq=2))
                raise _Refused()
        async with work.savepoint():
            await _effect(uow.connection, 3)
            work.publish(EffectRequested(seq=3))
        await uow.commit()

    assert [row[2] for row in await applied(engine)] == [1, 3]
    assert await _published_seqs(engine) == [1, 3]
