"""A lead's consent to be messaged by a client: revoked once (STOP in any words, or a
carrier's opt-out), given back by START. Each change is recorded with the caller's
transaction and announced on messaging.events, so every other service honours it too."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from messaging.adapters import opt_outs
from messaging.domain.compliance import PLATFORM
from revgen_common.contracts import contract_for
from revgen_common.contracts.messaging import LeadConsentChanged
from revgen_common.unit_of_work import Transaction

Source = Literal["message", "carrier"]


async def opt_out(uow: Transaction, scope: str, phone: str, source: Source, now: datetime,
                  message_sid: str | None = None) -> bool:
    """Records the opt-out; True when it is new (then it is confirmed once and announced)."""
    new = await opt_outs.add(uow.connection, scope, phone)
    if new:
        _announce(uow, "LeadOptedOut", scope, phone, source, now, message_sid)
    return new


async def opt_in(uow: Transaction, scope: str, phone: str, now: datetime, message_sid: str) -> bool:
    """Removes the opt-out; True when there was one."""
    removed = await opt_outs.remove(uow.connection, scope, phone)
    if removed:
        _announce(uow, "LeadOptedIn", scope, phone, "message", now, message_sid)
    return removed


def _announce(uow: Transaction, type: str, scope: str, phone: str, source: Source, now: datetime,
              message_sid: str | None) -> None:
    if scope == PLATFORM:
        return  # the platform's own number (login codes) concerns no client
    uow.publish(contract_for(type, LeadConsentChanged)(client_id=scope, lead_phone=phone, source=source, message_sid=message_sid,
                                   changed_at=now))
