"""Where every path that meets a lead — a missed call, a web form, an inbound SMS — records
it, once per (client, phone): the collaborator speed-to-lead, the call log and the
conversations share."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from messaging.adapters import leads, number_owners
from revgen_common.clock import Clock
from revgen_common.phones import InvalidPhone, normalize
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lead:
    id: uuid.UUID
    client_id: str
    phone: str
    name: str | None
    is_new: bool
    do_not_contact: bool


class LeadIntake:
    def __init__(self, clock: Clock):
        self.clock = clock

    async def call_from(self, uow: Transaction, client_number: str, caller: str) -> tuple[Any, Lead] | None:
        """The client a number belongs to and the caller as its lead (recorded if new)."""
        client = await number_owners.owner_of(uow.connection, client_number)
        if client is None:
            return None
        lead = await self.lead(uow, client.client_id, caller, "call", client_number=client_number)
        return (client, lead) if lead is not None else None

    async def lead(self, uow: Transaction, client_id: str, raw_phone: str, source: str, *, name: str | None = None,
                   client_number: str | None = None, inbound: bool = False) -> Lead | None:
        try:
            phone = normalize(raw_phone)
        except InvalidPhone:
            log.warning("lead for %s ignored: %r is not a phone number", client_id, raw_phone)
            return None
        now = self.clock()
        row = await leads.record(uow.connection, client_id, phone, source, name=name, client_number=client_number,
                                 inbound_at=now if inbound else None, now=now)
        return Lead(row.id, client_id, phone, row.name, row.is_new, row.do_not_contact)
