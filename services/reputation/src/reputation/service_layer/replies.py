"""Replies to reviews: the AI drafts one for each new review; a person approves it (maybe
edited) or rejects it; an approved reply is posted to its source once. Approving is one
conditional UPDATE that publishes PostReply in the same transaction, so a second approval
publishes nothing; posting is recorded by the handler's transaction and the sources' replies
are idempotent (Google's PUT; Facebook's comment looked for first), so a replayed PostReply
posts nothing twice."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from reputation.adapters import reviews_table
from reputation.adapters.reply_drafter import ReplyDrafter
from reputation.adapters.source_errors import GrantRevoked
from reputation.domain.reviews import Review, ReviewSource
from reputation.service_layer.grants import Grants
from reputation.service_layer.pacing import SourcePace
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.reputation import PostReply, ReplyPosted, ReviewReceived
from revgen_common.errors import NotFound, Refused
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
POSTED = "posted"


@dataclass
class Replies:
    engine: AsyncEngine
    drafter: ReplyDrafter | None  # None: drafting is off (settings.draft_replies)
    grants: Grants
    sources: dict[str, ReviewSource]
    pace: SourcePace
    clock: Clock

    # The AI's draft (Staged on ReviewReceived)
    async def draft(self, message: Delivered[ReviewReceived]) -> str | None:
        event = message.body
        if self.drafter is None:
            return None
        async with self.engine.connect() as db:
            if await reviews_table.has_draft(db, event.source, event.review_id) \
                    or await reviews_table.review(db, event.source, event.review_id) is None:
                return None  # drafted already (a replay), or not a review of ours
        return await self.drafter.draft(event.client_id, Review(event.review_id, event.review_id, event.rating,
                                                                event.author, event.text, event.reviewed_at))

    async def keep_draft(self, message: Delivered[ReviewReceived], ctx: HandlerContext, drafted: object) -> None:
        event = message.body
        if isinstance(drafted, str):
            await reviews_table.add_draft(ctx.connection, event.client_id, event.source, event.review_id, drafted,
                                          self.clock())

    # A person's decision (the internal API)
    async def drafts(self, client_id: str, status: str, limit: int, cursor: str | None = None) -> dict[str, Any]:
        async with self.engine.connect() as db:
            return await reviews_table.drafts(db, client_id, status, limit, cursor)

    async def approve(self, client_id: str, draft_id: uuid.UUID, person: str, text: str | None) -> dict[str, Any]:
        async with UnitOfWork(self.engine, "reputation", self.clock) as uow:
            if await reviews_table.decide(uow.connection, client_id, draft_id, "approved", text, person, self.clock()):
                uow.publish(PostReply(client_id=client_id, draft_id=str(draft_id)))
            draft = await self._draft(uow.connection, client_id, draft_id)
            if draft["status"] == "rejected":
                raise Refused("the draft was rejected")
            await uow.commit()
        return draft

    async def reject(self, client_id: str, draft_id: uuid.UUID, person: str) -> dict[str, Any]:
        async with UnitOfWork(self.engine, "reputation", self.clock) as uow:
            await reviews_table.decide(uow.connection, client_id, draft_id, "rejected", None, person, self.clock())
            draft = await self._draft(uow.connection, client_id, draft_id)
            if draft["status"] != "rejected":
                raise Refused(f"the draft is already {draft['status']}")
            await uow.commit()
        return draft

    async def _draft(self, db, client_id: str, draft_id: uuid.UUID) -> dict[str, Any]:
        draft = await reviews_table.draft(db, client_id, draft_id)
        if draft is None:
            raise NotFound("no such draft")
        draft.pop("ref")
        return draft

    # Posting (Staged on PostReply)
    async def post(self, message: Delivered[PostReply]) -> str | None:
        command = message.body
        async with self.engine.connect() as db:
            draft = await reviews_table.draft(db, command.client_id, uuid.UUID(command.draft_id))
        if draft is None or draft["status"] != "approved":
            return None  # posted already (a replay), or never approved
        row = await self.grants.connection(command.client_id, draft["source"])
        if row is None or row.status != "connected":
            # Kept approved: reconnecting the source sends PostReply again (connecting.py).
            log.warning("draft %s waits: %s is not connected for %s", command.draft_id, draft["source"],
                        command.client_id)
            return None
        source = self.sources[draft["source"]]

        async def reply() -> None:
            await source.reply(await self.grants.access(row), draft["ref"], draft["text"])

        try:
            await self.pace.call(draft["source"], command.client_id, str(message.event_id), reply)
        except GrantRevoked as error:
            await self.grants.lose(row.connection_id, str(error))  # the next poll announces it
            return None
        return POSTED

    async def record_post(self, message: Delivered[PostReply], ctx: HandlerContext, outcome: object) -> None:
        if outcome != POSTED:
            return
        done = await reviews_table.posted(ctx.connection, uuid.UUID(message.body.draft_id), self.clock())
        if done is not None:
            ctx.publish(ReplyPosted(client_id=done.client_id, source=done.source, review_id=done.review_id,
                                    draft_id=str(done.draft_id), posted_at=done.posted_at))
