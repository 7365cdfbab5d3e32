"""The SQL of connections and of the OAuth consents in flight. Tokens arrive here sealed."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text


async def add_state(db: Any, state: str, client_id: str, source: str, location: str, requested_by: str,
                    now: datetime, expires_at: datetime) -> None:
    await db.execute(text("""
        INSERT INTO oauth_states (state, client_id, source, location, requested_by, created_at, expires_at)
        VALUES (:state, :client, :source, :location, :by, :now, :expires)"""),
        {"state": state, "client": client_id, "source": source, "location": location, "by": requested_by,
         "now": now, "expires": expires_at})


async def use_state(db: Any, state: str, now: datetime) -> Any:
    """The consent `state` names, used up now; None when unknown, expired or used before."""
    return (await db.execute(text("""
        UPDATE oauth_states SET used_at = :now WHERE state = :state AND used_at IS NULL AND expires_at > :now
        RETURNING client_id, source, location, requested_by"""), {"state": state, "now": now})).first()


async def connect(db: Any, client_id: str, source: str, external_id: str, access: bytes | None,
                  refresh: bytes | None, expires_at: datetime | None, now: datetime) -> uuid.UUID:
    """The client's (new) connection to the source, polled at once; a lost one is replaced."""
    return await db.scalar(text("""
        INSERT INTO connections (client_id, source, connection_id, external_id, status, access_token, refresh_token,
                                 expires_at, next_poll_at, created_at)
        VALUES (:client, :source, :id, :external, 'connected', :access, :refresh, :expires, :now, :now)
        ON CONFLICT (client_id, source) DO UPDATE SET connection_id = excluded.connection_id,
            external_id = excluded.external_id, status = 'connected', access_token = excluded.access_token,
            refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, next_poll_at = excluded.next_poll_at,
            lost_reason = NULL, lost_announced_at = NULL, created_at = excluded.created_at
        RETURNING connection_id"""),
        {"client": client_id, "source": source, "id": uuid.uuid4(), "external": external_id, "access": access,
         "refresh": refresh, "expires": expires_at, "now": now})


async def connection(db: Any, client_id: str, source: str) -> Any:
    return (await db.execute(text("SELECT * FROM connections WHERE client_id = :c AND source = :s"),
                             {"c": client_id, "s": source})).first()


async def of_client(db: Any, client_id: str) -> list[dict[str, Any]]:
    rows = await db.execute(text("""
        SELECT source, connection_id, external_id, status, expires_at, last_polled_at, lost_reason, created_at
        FROM connections WHERE client_id = :c ORDER BY source"""), {"c": client_id})
    return [r._asdict() for r in rows]


async def store_tokens(db: Any, connection_id: uuid.UUID, access: bytes, refresh: bytes | None,
                       expires_at: datetime) -> None:
    await db.execute(text("""
        UPDATE connections SET access_token = :access, refresh_token = coalesce(:refresh, refresh_token),
                               expires_at = :expires
        WHERE connection_id = :id AND status = 'connected'"""),
        {"id": connection_id, "access": access, "refresh": refresh, "expires": expires_at})


async def expire_token(db: Any, connection_id: uuid.UUID, now: datetime) -> None:
    await db.execute(text("UPDATE connections SET expires_at = :now WHERE connection_id = :id"),
                     {"id": connection_id, "now": now})


async def mark_lost(db: Any, connection_id: uuid.UUID, reason: str) -> None:
    """Nothing more is polled or posted with it (the timer and the handlers read the status)."""
    await db.execute(text("""
        UPDATE connections SET status = 'needs_reauthorisation', lost_reason = :reason, access_token = NULL
        WHERE connection_id = :id AND status = 'connected'"""), {"id": connection_id, "reason": reason[:500]})


async def announce_lost(db: Any, connection_id: uuid.UUID, now: datetime) -> Any:
    """The lost connection, the first time it is announced; None after."""
    return (await db.execute(text("""
        UPDATE connections SET lost_announced_at = :now
        WHERE connection_id = :id AND status = 'needs_reauthorisation' AND lost_announced_at IS NULL
        RETURNING client_id, source, connection_id, lost_reason"""), {"id": connection_id, "now": now})).first()


async def polled(db: Any, connection_id: uuid.UUID, now: datetime) -> None:
    await db.execute(text("UPDATE connections SET last_polled_at = :now WHERE connection_id = :id"),
                     {"id": connection_id, "now": now})


async def take_due(db: Any, now: datetime, next_poll_at: datetime, limit: int) -> list[Any]:
    """Connections due a poll, moved to their next one (SKIP LOCKED: several processes may run the timer)."""
    rows = await db.execute(text("""
        UPDATE connections SET next_poll_at = :next WHERE (client_id, source) IN (
            SELECT client_id, source FROM connections WHERE status = 'connected' AND next_poll_at <= :now
            ORDER BY next_poll_at LIMIT :limit FOR UPDATE SKIP LOCKED)
        RETURNING client_id, source"""), {"now": now, "next": next_poll_at, "limit": limit})
    return list(rows)
