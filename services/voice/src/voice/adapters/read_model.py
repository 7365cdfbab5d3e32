"""The read model calls are answered from: SQL over the tables only event handlers write
(client_numbers, business_hours, team_members, deleted_clients, client_names, lead_names)
and voice's own settings."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from voice.domain.answering import CallSetup

_SETUP = text("""
    SELECT n.client_id, h.timezone, h.hours, s.business_phone, s.greeting, s.voice_id, s.mode,
           s.ring_seconds, g.id AS greeting_audio, c.name AS business_name, l.name AS caller_name
    FROM client_numbers n
    LEFT JOIN business_hours h ON h.client_id = n.client_id
    LEFT JOIN voice_settings s ON s.client_id = n.client_id
    LEFT JOIN greetings g ON g.voice_id = s.voice_id AND g.text_hash = sha256(convert_to(s.greeting, 'UTF8'))
    LEFT JOIN client_names c ON c.client_id = n.client_id
    LEFT JOIN lead_names l ON l.client_id = n.client_id AND l.phone = :caller
    WHERE n.number = :number
      AND NOT EXISTS (SELECT 1 FROM deleted_clients d WHERE d.client_id = n.client_id)""")
_TEAM = text("""SELECT person_id, phone FROM team_members
                WHERE client_id = :client AND active AND phone IS NOT NULL ORDER BY person_id""")


async def setup_for(db: Any, number: str, defaults: dict[str, Any], caller: str = "") -> CallSetup | None:
    """The client `number` belongs to and how its calls are answered (and the caller's name,
    if the client has them as a named lead); None for a number no live client has. A client
    without voice settings gets `defaults`."""
    row = (await db.execute(_SETUP, {"number": number, "caller": caller})).first()
    if row is None:
        return None
    values = {k: v for k, v in row._asdict().items() if v is not None}
    return CallSetup(**{"timezone": None, "hours": None, "business_phone": None,
                        "greeting_audio": None, "business_name": None, "caller_name": None, **defaults, **values})


async def team_on_call(db: Any, client_id: str) -> list[tuple[str, str]]:
    """(person id, phone) of every active member with a phone."""
    return [(r.person_id, r.phone) for r in await db.execute(_TEAM, {"client": client_id})]


async def set_hours(db: Any, client_id: str, timezone: str, hours: dict[Any, Any], numbers: list[str]) -> None:
    await db.execute(text("""
        INSERT INTO business_hours (client_id, timezone, hours) VALUES (:c, :tz, CAST(:h AS jsonb))
        ON CONFLICT (client_id) DO UPDATE SET timezone = :tz, hours = CAST(:h AS jsonb)"""),
        {"c": client_id, "tz": timezone, "h": json.dumps(hours)})
    for number in numbers:
        await db.execute(text("""INSERT INTO client_numbers (number, client_id) VALUES (:n, :c)
                                 ON CONFLICT (number) DO UPDATE SET client_id = :c"""), {"n": number, "c": client_id})


async def name_client(db: Any, client_id: str, name: str) -> None:
    await db.execute(text("""INSERT INTO client_names (client_id, name) VALUES (:c, :n)
                             ON CONFLICT (client_id) DO UPDATE SET name = :n"""), {"c": client_id, "n": name})


async def name_lead(db: Any, client_id: str, phone: str, name: str) -> None:
    await db.execute(text("""INSERT INTO lead_names (client_id, phone, name) VALUES (:c, :p, :n)
                             ON CONFLICT (client_id, phone) DO UPDATE SET name = :n"""),
                     {"c": client_id, "p": phone, "n": name})


async def release_number(db: Any, client_id: str, number: str) -> None:
    await db.execute(text("DELETE FROM client_numbers WHERE number = :n AND client_id = :c"),
                     {"n": number, "c": client_id})


async def add_member(db: Any, client_id: str, person_id: str, name: str, phone: str | None, role: str) -> None:
    await db.execute(text("""
        INSERT INTO team_members (client_id, person_id, name, phone, role) VALUES (:c, :p, :n, :ph, :r)
        ON CONFLICT (client_id, person_id) DO UPDATE SET name = :n, phone = :ph, role = :r, active = true"""),
        {"c": client_id, "p": person_id, "n": name, "ph": phone, "r": role})


async def change_role(db: Any, client_id: str, person_id: str, role: str) -> None:
    await db.execute(text("UPDATE team_members SET role = :r WHERE client_id = :c AND person_id = :p"),
                     {"r": role, "c": client_id, "p": person_id})


async def deactivate_member(db: Any, client_id: str, person_id: str) -> None:
    await db.execute(text("UPDATE team_members SET active = false WHERE client_id = :c AND person_id = :p"),
                     {"c": client_id, "p": person_id})


async def delete_client(db: Any, client_id: str) -> None:
    await db.execute(text("INSERT INTO deleted_clients (client_id) VALUES (:c) ON CONFLICT DO NOTHING"),
                     {"c": client_id})


async def save_settings(db: Any, client_id: str, settings: dict[str, Any]) -> None:
    await db.execute(text("""
        INSERT INTO voice_settings (client_id, business_phone, greeting, voice_id, mode, ring_seconds)
        VALUES (:client_id, :business_phone, :greeting, :voice_id, :mode, :ring_seconds)
        ON CONFLICT (client_id) DO UPDATE SET business_phone = EXCLUDED.business_phone, greeting = EXCLUDED.greeting,
            voice_id = EXCLUDED.voice_id, mode = EXCLUDED.mode,
            ring_seconds = EXCLUDED.ring_seconds"""), {"client_id": client_id, **settings})


async def settings_of(db: Any, client_id: str) -> dict[str, Any] | None:
    row = (await db.execute(text("""SELECT business_phone, greeting, voice_id, mode, ring_seconds
                                    FROM voice_settings WHERE client_id = :c"""), {"c": client_id})).first()
    return row._asdict() if row else None
