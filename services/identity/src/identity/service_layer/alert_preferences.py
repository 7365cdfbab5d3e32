"""How a person wants to be alerted: by SMS, e-mail or both (domain/alerts.py), set by the
person themself and audited like every other change identity keeps."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from identity.adapters import alert_records, audit_log
from revgen_common.unit_of_work import UnitOfWork


async def set_alert_channels(engine: AsyncEngine, person: uuid.UUID, channels: str) -> str:
    async with UnitOfWork(engine) as uow:
        stored = await alert_records.set_alert_channels(uow.connection, person, channels)
        await audit_log.record(uow.connection, person, "update", "alert_channels", person,
                               after={"alert_channels": channels})
        await uow.commit()
    assert stored is not None  # a signed-in person exists
    return stored
