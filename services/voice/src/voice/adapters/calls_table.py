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


async def count_fetch_try(db: Any, recording_sid: str) -> None:
    await db.execute(text("UPDATE recordings SET fetch_tries = fetch_tries + 1 WHERE recording_sid = :r"),
                     {"r": recording_sid})


async def keep_audio(db: Any, recording_sid: str, content_type: str, audio: bytes, now: datetime) -> bool:
    """True when this audio is the one kept (the first fetch to finish)."""
    return await db.scalar(text("""
        UPDATE recordings SET content_type = :ct, audio = :a, fetched_at = :now
        WHERE recording_sid = :r AND audio IS NULL RETURNING true"""),
        {"r": recording_sid, "ct": content_type, "a": audio, "now": now}) is not None


async def recordings_to_fetch(db: Any, max_tries: int, recorded_before: datetime) -> list[tuple[str, str]]:
    rows = await db.execute(text("""
        SELECT recording_sid, url FROM recordings
        WHERE audio IS NULL AND fetch_tries < :max AND created_at < :before
        ORDER BY created_at LIMIT 20"""), {"max": max_tries, "before": recorded_before})
    return [(r.recording_sid, r.url) for r in rows]


async def voicemail_audio(db: Any, client_id: str, call_sid: str) -> tuple[str, bytes] | None:
    """The kept audio of the call's voicemail, if the call is this client's."""
    row = (await db.execute(text("""
        SELECT r.content_type, r.audio FROM recordings r JOIN calls c ON c.call_sid = r.call_sid
        WHERE r.call_sid = :sid AND c.client_id = :c AND r.audio IS NOT NULL
        ORDER BY r.created_at LIMIT 1"""), {"sid": call_sid, "c": client_id})).first()
    return (row.content_type, bytes(row.audio)) if row else None


async def recent_calls(db: Any, client_id: str, limit: int) -> list[dict[str, Any]]:
    """`voicemail_seconds` when a message was left; `voicemail_kept` when its audio is here."""
    rows = await db.execute(text("""
        SELECT c.call_sid, c.lead_phone, c.client_number, c.route, c.status, c.answered_by, c.answered_at, c.ended_at,
               c.duration_seconds, c.ai_heard, c.ai_answer, c.created_at,
               r.duration_seconds AS voicemail_seconds, r.audio IS NOT NULL AS voicemail_kept
        FROM calls c
        LEFT JOIN LATERAL (SELECT duration_seconds, audio FROM recordings WHERE call_sid = c.call_sid
                           ORDER BY created_at LIMIT 1) r ON true
        WHERE c.client_id = :c ORDER BY c.created_at DESC, c.call_sid LIMIT :limit"""),
        {"c": client_id, "limit": limit})
    return [r._asdict() for r in rows]
