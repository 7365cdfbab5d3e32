"""What the person who picks up a rung-through call hears before the caller is put through:
whose call it is and who is calling, so they answer as the business, by name if we know it."""
from __future__ import annotations

import re


def spoken_number(phone: str) -> str:
    """A phone number read digit by digit in its usual groups ("5 5 5, 0 0 0, 1 2 3 4"):
    said whole, "+15550001234" is fifteen billion and more."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]  # the North American country code goes without saying
    groups = [digits[:3], digits[3:6], digits[6:]] if len(digits) == 10 else [digits]
    return ", ".join(" ".join(group) for group in groups if group)


def whisper_text(business_name: str | None, caller_name: str | None, caller: str) -> str:
    who = caller_name or spoken_number(caller)
    return f"Call for {business_name} from {who}." if business_name else f"Incoming call from {who}."
