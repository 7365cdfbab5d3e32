"""The daily summary to each client's owner: exactly once per (client, day), however often
the job runs and wherever it crashed (E14) — the summary row and its message commit
together, one client per transaction. The day is the client's own: the hourly job sends a
Los Angeles client its summary once the day has ended in Los Angeles, covering midnight to
midnight there."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import daily_summaries, profiles
from messaging.adapters.figures import figures, local_day
from messaging.service_layer import emails
from messaging.service_layer.sends import Outgoing, enqueue
from revgen_common.clock import Clock, local_date
from revgen_common.contracts.commands import SendMessage
from revgen_common.unit_of_work import UnitOfWork

BODY = ("RevGen daily summary for {day}: {new_leads} new leads, {inbound} messages in, {outbound} out, "
        "{answered} leads answered{latency}.")


class Summaries:
    def __init__(self, engine: AsyncEngine, platform_number: str, clock: Clock):
        self.engine = engine
        self.platform_number = platform_number
        self.clock = clock

    async def run_due(self) -> int:
        """Each client's yesterday, where the client is (the job runs hourly, so a client's
        summary goes out within the hour after its midnight; a day already sent is skipped)."""
        now = self.clock()
        return await self._summarize_each(lambda zone: local_date(now, zone) - timedelta(days=1))

    async def run(self, day: date) -> int:
        """`day` for every client whose `day` has ended where it is (an operator's re-run)."""
        now = self.clock()
        return await self._summarize_each(lambda zone: day if day < local_date(now, zone) else None)

    async def _summarize_each(self, day_in: Callable[[str], date | None]) -> int:
        async with self.engine.connect() as db:
            clients = await profiles.with_an_owner(db)
        sent = 0
        for client in clients:
            if (day := day_in(client.timezone)) is not None:
                sent += await self._summarize(client.client_id, day)
        return sent

    async def _summarize(self, client_id: str, day: date) -> int:
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            if not await daily_summaries.claim(db, client_id, day):
                return 0  # another run did this one
            profile = await profiles.owner_contacts(db, client_id)
            day_figures = await figures(db, client_id, *local_day(day, profile.timezone))
            latency = (f", first reply in {day_figures.first_reply_seconds:.0f} s on average"
                       if day_figures.first_reply_seconds is not None else "")
            body = BODY.format(day=day.isoformat(), new_leads=day_figures.new_leads, inbound=day_figures.inbound,
                               outbound=day_figures.outbound, answered=day_figures.answered, latency=latency)
            source = f"summary:{client_id}:{day.isoformat()}"
            if profile.owner_phone:
                await enqueue(uow, [Outgoing(source, profile.owner_phone, self.platform_number, body, "other", None, None)])
            else:  # an owner known only by an address: the e-mail channel (ADR 0018)
                await emails.enqueue(uow, source, SendMessage(client_id=client_id, to=profile.owner_email, body=body,
                                                              subject=f"Your RevGen summary for {day.isoformat()}",
                                                              purpose="summary"))
            await uow.commit()
        return 1
