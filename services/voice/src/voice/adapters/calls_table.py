"""Calls, their status callbacks and recordings: each keyed by Twilio's own id, so a
webhook Twilio sends again finds what the first one wrote instead of writing it twice."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text


async def open_call(db: Any, call_sid: str, client_id: str, client_number: str, lead_phone: str, route: str,
                    status: str, now: datetime, whisper: tuple[str, str] | None = None) -> str:
    """The call's route: the one just recorded, or the one a first delivery recorded.
    `whisper`: (voice, text) the answerer of a rung-through call hears."""
    voice, spoken = whisper or (None, None)
    await db.execute(text("""
        INSERT INTO calls (call_sid, client_id, client_number, lead_phone, route, status, created_at, whisper,
                           whisper_voice)
        VALUES (:sid, :client, :number, :lead, :route, :status, :now, :whisper, :voice)
        ON CONFLICT (call_sid) DO NOTHING"""),
        {"sid": call_sid, "client": client_id, "number": client_number, "lead": lead_phone, "route": route,
         "status": status, "now": now, "whisper": spoken, "voice": voice})
    return str(await db.scalar(text("SELECT route FROM calls WHERE call_sid = :sid"), {"sid": call_sid}))


async def call(db: Any, call_sid: str) -> Any:
    return (await db.execute(text("SELECT * FROM calls WHERE call_sid = :sid"), {"sid": call_sid})).first()


async def take(db: Any, call_sid: str, member: str, now: datetime) -> Any:
    """THE hot transfer: the first answered leg to get here takes the call (one conditional
    UPDATE); the row when it is this member's, None when another took it first."""
    won = (await db.execute(text("""
        UPDATE calls SET answered_by = :member, answered_at = :now, status = 'in-progress'
        WHERE call_sid = :sid AND answered_by IS NULL
        RETURNING call_sid, client_id, client_number, lead_phone, answered_by, answered_at, whisper, whisper_voice,
                  true AS first"""),
        {"sid": call_sid, "member": member, "now": now})).first()
    if won is not None:
        return won
    return (await db.execute(text("""
        SELECT call_sid, client_id, client_number, lead_phone, answered_by, answered_at, whisper, whisper_voice,
               false AS first FROM calls
        WHERE call_sid = :sid AND answered_by = :member"""), {"sid": call_sid, "member": member})).first()


async def keep_ai_turn(db: Any, call_sid: str, heard: str, answer: str) -> str:
    """The AI voice's answer to the call: this one, or the one a first delivery kept."""
    await db.execute(text("UPDATE calls SET ai_heard = :h, ai_answer = :a WHERE call_sid = :sid AND ai_answer IS NULL"),
                     {"sid": call_sid, "h": heard, "a": answer})
    return str(await db.scalar(text("SELECT ai_answer FROM calls WHERE call_sid = :sid"), {"sid": call_sid}))


async def set_status(db: Any, call_sid: str, status: str) -> None:
    await db.execute(text("UPDATE calls SET status = :s WHERE call_sid = :sid AND ended_at IS NULL"),
                     {"sid": call_sid, "s": status})


async def record_status(db: Any, call_sid: str, status: str, now: datetime) -> bool:
    """True the first time this status of this call is seen."""
    return await db.scalar(text("""
        INSERT INTO call_statuses (call_sid, status, received_at) VALUES (:sid, :s, :now)
        ON CONFLICT DO NOTHING RETURNING true"""), {"sid": call_sid, "s": status, "now": now}) is not None


async def end(db: Any, call_sid: str, status: str, duration: int, now: datetime) -> Any:
    """The call's row as it ended, once (None when it had already ended)."""
    return (await db.execute(text("""
        UPDATE calls SET status = :s, ended_at = :now, duration_seconds = :d
        WHERE call_sid = :sid AND ended_at IS NULL
        RETURNING call_sid, client_id, client_number, lead_phone, answered_by, ended_at"""),
        {"sid": call_sid, "s": status, "d": duration, "now": now})).first()


async def add_recording(db: Any, recording_sid: str, call_sid: str, url: str, duration: int, now: datetime) -> bool:
    return await db.scalar(text("""
        INSERT INTO recordings (recording_sid, call_sid, url, duration_seconds, created_at)
        VALUES (:r, :sid, :url, :d, :now) ON CONFLICT DO NOTHING RETURNING true"""),
        {"r": recording_sid, "sid": call_sid, "url": url, "d": duration, "now": now}) is not None


async def recent_calls(db: Any, client_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await db.execute(text("""
        SELECT call_sid, lead_phone, client_number, route, status, answered_by, answered_at, ended_at, duration_seconds,
               ai_heard, ai_answer, created_at
        FROM calls WHERE client_id = :c ORDER BY created_at DESC, call_sid LIMIT :limit"""),
        {"c": client_id, "limit": limit})
    return [r._asdict() for r in rows]
