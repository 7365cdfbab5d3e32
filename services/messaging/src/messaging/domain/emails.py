"""What an e-mail may be: its address (lower-cased, one form everywhere, so a suppression
matches however the address was written), a subject when the sender gave none, and the
rule every e-mail passes: a suppressed address gets nothing; a suspended client's
automations go nowhere (ADR 0012). Quiet hours are a rule for texts, not e-mail."""
from __future__ import annotations

import re
import unicodedata

from messaging.domain.compliance import AUTOMATED

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_SUBJECTS = {"otp": "Your RevGen login code", "alert": "RevGen: action needed",
                    "escalation_alert": "A lead needs you", "summary": "Your RevGen daily summary",
                    "account_notice": "About your RevGen account", "payment_receipt": "Your RevGen receipt"}
FALLBACK_SUBJECT = "A message from RevGen"


class InvalidAddress(ValueError):
    pass


def is_email(to: str) -> bool:
    """`SendMessage.to` is an e-mail address rather than a phone number."""
    return "@" in to


def normalize_address(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not _ADDRESS.match(text) or not text.isascii():
        raise InvalidAddress(f"not a valid e-mail address: {raw!r}")
    return text.lower()


def subject_for(purpose: str, given: str | None) -> str:
    return given or DEFAULT_SUBJECTS.get(purpose, FALLBACK_SUBJECT)


def blocked_reason(purpose: str, *, suppressed: bool, suspended: bool) -> str | None:
    if suppressed:
        return "suppressed"
    if suspended and purpose in AUTOMATED:
        return "service_suspended"
    return None
