"""Synthesised greetings, one per (voice, text): the audio Twilio fetches for <Play>."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text


def text_hash(spoken: str) -> bytes:
    return hashlib.sha256(spoken.encode()).digest()  # the same as sha256(convert_to(text, 'UTF8')) in SQL


async def cached(db: Any, voice_id: str, spoken: str) -> uuid.UUID | None:
    return await db.scalar(text("SELECT id FROM greetings WHERE voice_id = :v AND text_hash = :h"),
                           {"v": voice_id, "h": text_hash(spoken)})


async def store(db: Any, voice_id: str, spoken: str, content_type: str, audio: bytes, now: datetime) -> uuid.UUID:
    await db.execute(text("""
        INSERT INTO greetings (id, voice_id, text_hash, content_type, audio, created_at)
        VALUES (:id, :v, :h, :ct, :audio, :now) ON CONFLICT (voice_id, text_hash) DO NOTHING"""),
        {"id": uuid.uuid4(), "v": voice_id, "h": text_hash(spoken), "ct": content_type, "audio": audio, "now": now})
    found = await cached(db, voice_id, spoken)
    assert found is not None
    return found


async def audio(db: Any, greeting_id: uuid.UUID) -> tuple[str, bytes] | None:
    row = (await db.execute(text("SELECT content_type, audio FROM greetings WHERE id = :id"),
                            {"id": greeting_id})).first()
    return (row.content_type, bytes(row.audio)) if row else None
