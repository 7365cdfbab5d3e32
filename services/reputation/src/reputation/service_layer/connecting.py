"""Connecting a client's review sources: Google by OAuth consent (the consent URL, then the
callback, whose `state` must be the one we issued, unexpired and unused, before any code is
exchanged), Facebook by its page's access token. Tokens are sealed before they are stored."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from reputation.adapters import connections_table, reviews_table
from reputation.adapters.google_oauth import GoogleOAuth
from reputation.adapters.token_box import TokenBox
from reputation.domain.consent import STATE_LIFETIME, consent_url, new_state
from revgen_common.clock import Clock
from revgen_common.contracts.reputation import PostReply
from revgen_common.errors import Refused
from revgen_common.unit_of_work import UnitOfWork


class ForgedCallback(Refused):
    """The callback's state is not a consent we started (forged, replayed, or too old)."""


class ConsentDenied(Refused):
    """The owner did not grant access at Google (e.g. `access_denied`)."""


@dataclass
class Connecting:
    engine: AsyncEngine
    box: TokenBox
    oauth: GoogleOAuth
    auth_uri: str
    google_client_id: str
    redirect_uri: str
    clock: Clock

    async def google_consent(self, client_id: str, location: str, requested_by: str) -> dict:
        state, now = new_state(), self.clock()
        async with UnitOfWork(self.engine, "reputation", self.clock) as uow:
            await connections_table.add_state(uow.connection, state, client_id, "google", location, requested_by, now,
                                              now + STATE_LIFETIME)
            await uow.commit()
        return {"url": consent_url(self.auth_uri, self.google_client_id, self.redirect_uri, state),
                "expires_at": now + STATE_LIFETIME}

    async def google_callback(self, state: str, code: str | None, error: str | None) -> dict:
        async with UnitOfWork(self.engine, "reputation", self.clock) as uow:  # the state is used up first
            consent = await connections_table.use_state(uow.connection, state, self.clock())
            await uow.commit()
        if consent is None:
            raise ForgedCallback("the consent's state is unknown, expired or already used")
        if error or not code:
            raise ConsentDenied(f"google did not grant access: {error or 'no code'}")
        tokens = await self.oauth.exchange(code)
        connection_id = await self._connect(consent.client_id, "google", consent.location, tokens.access_token,
                                            tokens.refresh_token, tokens.expires_at)
        return {"client_id": consent.client_id, "source": "google", "connection_id": connection_id,
                "status": "connected"}

    async def facebook_page(self, client_id: str, page_id: str, page_token: str) -> dict:
        connection_id = await self._connect(client_id, "facebook", page_id, page_token, None, None)
        return {"client_id": client_id, "source": "facebook", "connection_id": connection_id, "status": "connected"}

    async def _connect(self, client_id, source, external_id, access, refresh, expires_at) -> uuid.UUID:
        async with UnitOfWork(self.engine, "reputation", self.clock) as uow:
            connection_id = await connections_table.connect(uow.connection, client_id, source, external_id,
                                                            self.box.seal(access), self.box.seal(refresh), expires_at,
                                                            self.clock())
            for draft_id in await reviews_table.approved_drafts(uow.connection, client_id, source):
                uow.publish(PostReply(client_id=client_id, draft_id=str(draft_id)))  # held while it was lost
            await uow.commit()
        return connection_id
