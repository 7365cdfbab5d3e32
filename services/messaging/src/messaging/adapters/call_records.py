"""A lead's calls as voice reports them (CallEnded, VoicemailRecorded), in either order:
each upsert fills in its own columns of the call's one row."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text


async def call_ended(db: Any, call_sid: str, client_id: str, lead_id: uuid.UUID, outcome: str, status: str,
                     duration: int, answered_by: str | None, ended_at: datetime) -> None:
    await db.execute(text("""
        INSERT INTO lead_calls (call_sid, client_id, lead_id, outcome, status, duration_seconds, answered_by, ended_at,
                                created_at)
        VALUES (:sid, :c, :l, :outcome, :status, :d, :by, :at, :at)
        ON CONFLICT (call_sid) DO UPDATE SET outcome = :outcome, status = :status, duration_seconds = :d,
                                             answered_by = :by, ended_at = :at"""),
        {"sid": call_sid, "c": client_id, "l": lead_id, "outcome": outcome, "status": status, "d": duration,
         "by": answered_by, "at": ended_at})


async def voicemail(db: Any, call_sid: str, client_id: str, lead_id: uuid.UUID, recording_sid: str, url: str,
                    seconds: int, recorded_at: datetime) -> None:
    await db.execute(text("""
        INSERT INTO lead_calls (call_sid, client_id, lead_id, recording_sid, recording_url, recording_seconds, created_at)
        VALUES (:sid, :c, :l, :r, :url, :s, :at)
        ON CONFLICT (call_sid) DO UPDATE SET recording_sid = :r, recording_url = :url, recording_seconds = :s"""),
        {"sid": call_sid, "c": client_id, "l": lead_id, "r": recording_sid, "url": url, "s": seconds,
         "at": recorded_at})


async def calls_of(db: Any, lead_id: uuid.UUID, limit: int = 20) -> list[dict[str, Any]]:
    rows = await db.execute(text("""
        SELECT call_sid, outcome, status, duration_seconds, answered_by, ended_at, recording_url, recording_seconds,
               created_at FROM lead_calls WHERE lead_id = :l ORDER BY created_at DESC, call_sid LIMIT :n"""),
        {"l": lead_id, "n": limit})
    return [{**r._asdict(), "ended_at": r.ended_at.isoformat() if r.ended_at else None,
             "created_at": r.created_at.isoformat()} for r in rows]
