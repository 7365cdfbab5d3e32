"""Messages counted against each client's monthly limit, per month of the client's own
(D7, D9): a send reserves its place as it is claimed (adapters/sends.py) and gives it back
when it never reached Twilio."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_SENT = text("SELECT sent FROM usage WHERE client_id = :c AND month = :m")
_GIVE_BACK = text("""UPDATE usage SET sent = sent - 1 FROM sends s
                     WHERE s.id = :id AND usage.client_id = s.client_id AND usage.month = s.usage_month""")


async def sent_in(db: AsyncConnection, client_id: str, month: str) -> int | None:
    """None when nothing was sent that month."""
    sent: int | None = await db.scalar(_SENT, {"c": client_id, "m": month})
    return sent


async def give_back(db: AsyncConnection, send_id: uuid.UUID) -> None:
    """The send's place in its month, if it took one."""
    await db.execute(_GIVE_BACK, {"id": send_id})
