"""A connection's access, fresh: Google's access token refreshed before it expires (a few
minutes early, so a poll never starts with a token that dies mid-way), Facebook's page token
as it was given. A refused grant is recorded the moment it is seen, in its own transaction:
the polls queued behind it on the same client find the connection lost and call nobody (no
retry storm); the event about it is published by the handler, once (polling.apply)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from reputation.adapters import connections_table
from reputation.adapters.google_oauth import GoogleOAuth
from reputation.adapters.token_box import TokenBox
from reputation.domain.reviews import Access
from revgen_common.clock import Clock
from revgen_common.unit_of_work import UnitOfWork

REFRESH_MARGIN = timedelta(minutes=5)


@dataclass
class Grants:
    engine: AsyncEngine
    box: TokenBox
    oauth: GoogleOAuth
    clock: Clock

    async def connection(self, client_id: str, source: str) -> Any:
        async with self.engine.connect() as db:
            return await connections_table.connection(db, client_id, source)

    async def access(self, row: Any) -> Access:
        """Raises GrantRevoked when the source refuses the grant for good."""
        token = self.box.open(row.access_token)
        if row.source == "google" and (token is None or row.expires_at is None
                                       or row.expires_at - self.clock() <= REFRESH_MARGIN):
            tokens = await self.oauth.refresh(self.box.open(row.refresh_token) or "")
            async with UnitOfWork(self.engine) as uow:
                await connections_table.store_tokens(uow.connection, row.connection_id,
                                                     self.box.seal(tokens.access_token),
                                                     self.box.seal(tokens.refresh_token), tokens.expires_at)
                await uow.commit()
            token = tokens.access_token
        return Access(token or "", row.external_id)

    async def lose(self, connection_id: uuid.UUID, reason: str) -> None:
        async with UnitOfWork(self.engine) as uow:
            await connections_table.mark_lost(uow.connection, connection_id, reason)
            await uow.commit()

    async def expire(self, connection_id: uuid.UUID) -> None:
        """The source refused the access token early: the next use refreshes it."""
        async with UnitOfWork(self.engine) as uow:
            await connections_table.expire_token(uow.connection, connection_id, self.clock())
            await uow.commit()
