"""Per-client messaging profiles and numbers, and what follows a client's creation or
deletion (identity's events)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import leads, messages, numbers, profiles, scheduled_messages, sends
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts import messaging as events
from revgen_common.contracts.identity import ClientCreated, ClientDeleted
from revgen_common.unit_of_work import Transaction, UnitOfWork

RECENT_CONVERSATION = timedelta(days=30)  # B2


class NumberInUse(Exception):
    pass


class UnknownClient(LookupError):
    pass


@dataclass(frozen=True)
class Profile:
    business_name: str
    timezone: str
    business_hours: dict[int, list[tuple[str, str]]]
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    persona: str = ""
    knowledge: str = ""
    monthly_limit: int = 2000
    owner_phone: str | None = None
    owner_email: str | None = None  # the summary goes here when there is no owner phone
    numbers: list[str] = field(default_factory=list)


class Clients:
    def __init__(self, engine: AsyncEngine, clock: Clock):
        self.engine = engine
        self.clock = clock

    async def set_profile(self, client_id: str, profile: Profile) -> None:
        """One statement replaces the whole profile, business hours included (D12): a reader
        sees the old hours or the new ones, never none."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            if not await profiles.replace(
                    db, client_id, business_name=profile.business_name, timezone=profile.timezone,
                    business_hours=profile.business_hours, quiet_start=profile.quiet_start,
                    quiet_end=profile.quiet_end, persona=profile.persona, knowledge=profile.knowledge,
                    monthly_limit=profile.monthly_limit, owner_phone=profile.owner_phone,
                    owner_email=profile.owner_email):
                raise UnknownClient(f"client {client_id!r} was deleted")
            for number in profile.numbers:
                if not await numbers.take(db, number, client_id):
                    raise NumberInUse(f"{number} belongs to another client")
            uow.publish(events.BusinessHoursSet(client_id=client_id, timezone=profile.timezone,
                                                hours=profile.business_hours, numbers=profile.numbers))
            await uow.commit()

    async def release_number(self, number: str) -> None:
        """B2: refused while the number had a conversation in the last 30 days."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            released = await self._release(uow, number, refuse=True)
            if released is None:
                raise UnknownClient(f"no active number {number}")
            await uow.commit()

    async def _release(self, uow: Transaction, number: str, refuse: bool) -> str | None:
        db = uow.connection
        if await messages.any_on_number_since(db, number, self.clock() - RECENT_CONVERSATION):
            if refuse:
                raise NumberInUse(f"{number} had conversations in the last 30 days")
            await numbers.release_later(db, number)
            return "pending"
        client = await numbers.release(db, number, self.clock())
        if client is not None:
            uow.publish(events.NumberReleased(client_id=client, number=number))
            # ...and at Twilio too, by messaging's own number-release consumer (number_releases.py).
            uow.publish(events.ReleaseNumber(client_id=client, number=number))
        return client

    async def release_quiet_numbers(self) -> int:
        """Numbers a deleted client left behind go once they have been quiet for 30 days."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            pending = await numbers.pending_release(uow.connection)
            released = [n for n in pending if await self._release(uow, n, refuse=False) not in (None, "pending")]
            await uow.commit()
        return len(released)

    # -- identity's events -----------------------------------------------------------------

    async def client_created(self, created: Delivered[ClientCreated], ctx: HandlerContext) -> None:
        await profiles.create(ctx.connection, created.body.client_id, created.body.name)

    async def client_deleted(self, deleted: Delivered[ClientDeleted], ctx: HandlerContext) -> None:
        """B3: nothing more goes out for the client, its numbers are released (per B2) and its
        open leads are lost."""
        client_id = deleted.body.client_id
        db = ctx.connection
        await profiles.mark_deleted(db, client_id, self.clock())
        await scheduled_messages.cancel_pending_for_client(db, client_id)
        await sends.cancel_unsent_of_client(db, client_id)
        for number in await numbers.active(db, client_id):
            await self._release(ctx, number, refuse=False)
        lost = await leads.lose_open(db, client_id)
        for lead_id in lost:
            publish_outcome(ctx, client_id, lead_id, "lost", None, self.clock())

    async def record_outcome(self, client_id: str, lead_id: str, outcome: events.LeadOutcome,
                             job_value_cents: int | None) -> None:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            if not await leads.record_outcome(uow.connection, client_id, lead_id, outcome, job_value_cents):
                raise UnknownClient(f"no lead {lead_id} for client {client_id}")
            publish_outcome(uow, client_id, lead_id, outcome, job_value_cents, self.clock())
            await uow.commit()


def publish_outcome(uow: Transaction, client_id: str, lead_id, outcome: events.LeadOutcome, value: int | None,
                    at: datetime) -> None:
    uow.publish(events.LeadOutcomeRecorded(client_id=client_id, lead_id=str(lead_id), outcome=outcome,
                                           job_value_cents=value, decided_at=at))
