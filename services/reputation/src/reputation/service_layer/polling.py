"""Polling the sources: a timer turns due connections into PollReviews commands; the
consumer reads one page per command, paced, outside its transaction (Staged.prepare), and
in the transaction records each review it had not seen and publishes it (apply). A review
is new exactly when its row is inserted, in the transaction that also writes its events
and the command's inbox row: polled twice, or replayed after a crash, it is one event."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from reputation.adapters import connections_table, reviews_table
from reputation.adapters.source_errors import GrantRevoked, TokenRejected
from reputation.domain.reviews import Page, ReviewSource, excerpt, is_low, more_pages
from reputation.service_layer.grants import Grants
from reputation.service_layer.pacing import SourcePace
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.reputation import LowRatingReceived, PollReviews, ReviewReceived, ReviewSourceDisconnected
from revgen_common.unit_of_work import UnitOfWork

SCHEDULE_BATCH = 500  # connections made due per round of the timer


@dataclass(frozen=True)
class Lost:
    connection_id: uuid.UUID


@dataclass(frozen=True)
class Fetched:
    connection_id: uuid.UUID
    page: Page


@dataclass
class Polling:
    engine: AsyncEngine
    grants: Grants
    sources: dict[str, ReviewSource]
    pace: SourcePace
    clock: Clock
    interval: timedelta
    low_rating_threshold: int

    async def schedule(self) -> int:
        """The timer's round: a PollReviews for each connection due one. Lost connections are never due."""
        now = self.clock()
        async with UnitOfWork(self.engine, "reputation", self.clock) as uow:
            due = await connections_table.take_due(uow.connection, now, now + self.interval, SCHEDULE_BATCH)
            for row in due:
                uow.publish(PollReviews(client_id=row.client_id, source=row.source))
            await uow.commit()
        return len(due)

    async def read(self, message: Delivered[PollReviews]) -> Lost | Fetched | None:
        command = message.body
        row = await self.grants.connection(command.client_id, command.source)
        if row is None:
            return None
        if row.status != "connected":  # lost: announced once, then nothing more is asked of the source
            return Lost(row.connection_id) if row.lost_announced_at is None else None
        source = self.sources[command.source]

        async def one_page() -> Page:
            return await source.page(await self.grants.access(row), command.page_token)

        try:
            page = await self.pace.call(command.source, command.client_id, str(message.event_id), one_page)
        except GrantRevoked as error:
            await self.grants.lose(row.connection_id, str(error))
            return Lost(row.connection_id)
        except TokenRejected:
            await self.grants.expire(row.connection_id)
            raise
        return Fetched(row.connection_id, page)

    async def record(self, message: Delivered[PollReviews], ctx: HandlerContext, outcome: object) -> None:
        command = message.body
        db, now = ctx.connection, self.clock()
        if isinstance(outcome, Lost):
            lost = await connections_table.announce_lost(db, outcome.connection_id, now)
            if lost is not None:
                ctx.publish(ReviewSourceDisconnected(client_id=lost.client_id, source=lost.source,
                                                     connection_id=str(lost.connection_id),
                                                     reason=lost.lost_reason or "the grant was refused"))
            return
        if not isinstance(outcome, Fetched):
            return
        new = 0
        for review in outcome.page.reviews:
            if not await reviews_table.add_review(db, command.client_id, command.source, review, now):
                continue
            new += 1
            ctx.publish(ReviewReceived(client_id=command.client_id, source=command.source, review_id=review.review_id,
                                       rating=review.rating, author=review.author, text=review.text,
                                       reviewed_at=review.reviewed_at))
            if is_low(review.rating, self.low_rating_threshold):
                ctx.publish(LowRatingReceived(client_id=command.client_id, source=command.source,
                                              review_id=review.review_id, rating=review.rating, author=review.author,
                                              excerpt=excerpt(review.text)))
        await connections_table.polled(db, outcome.connection_id, now)
        next_page = more_pages(outcome.page, new)
        if next_page:
            ctx.publish(PollReviews(client_id=command.client_id, source=command.source, page_token=next_page))
