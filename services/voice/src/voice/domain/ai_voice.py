"""The AI voice's words (no I/O): what the assistant is told, what it may know (the
business's name and hours, nothing it could get wrong about prices or bookings), and the
holding line a caller hears when no answer comes in time (ADR 0021)."""
from __future__ import annotations

from typing import Any

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_ANSWER_TOKENS = 120  # two spoken sentences; a longer answer keeps the caller from their message

INSTRUCTIONS = """You answer the phone for {business} while nobody there can. The caller's words come
from speech recognition and may be imperfect. Answer in at most two short spoken sentences: plain words,
no lists, no symbols, no links. Use only the facts below. Never quote prices, promise appointments or
times, or make anything up: when the facts do not answer the caller, say that someone from the business
will call them back. After your answer the caller is asked to leave a message."""

NO_SPEECH = "Sorry, I didn't catch that."
LEAVE_A_MESSAGE = "Please leave your name and a message after the tone, and we'll call you back."


def facts(business: str | None, timezone: str | None, hours: dict[str, Any] | None) -> str:
    lines = [f"Business: {business or 'unknown'}"]
    if hours and timezone:
        days = [f"{DAYS[int(day)]} {', '.join(f'{o}-{c}' for o, c in spans)}"
                for day, spans in sorted(hours.items(), key=lambda kv: int(kv[0])) if spans]
        lines.append(f"Opening hours ({timezone}): {'; '.join(days) or 'none set'}")
    return "\n".join(lines)


def prompt(business: str | None, known: str, heard: str) -> list[dict[str, str]]:
    system = INSTRUCTIONS.format(business=business or "this business") + f'\n\nFacts:\n"""\n{known}\n"""'
    return [{"role": "system", "content": system}, {"role": "user", "content": heard}]


def holding_line(business: str | None) -> str:
    """What a caller hears when the assistant gave no answer (too slow, down, refused)."""
    who = f"someone from {business}" if business else "someone"
    return f"Thanks for your question. I can't answer it right now, but {who} will get back to you soon."
