"""IncomingPhoneNumbers: the numbers an account owns, listed by number and released by sid."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from revgen_fakes.twilio.messages import API_VERSION, new_sid, rfc2822, utcnow


@dataclass
class IncomingNumber:
    account_sid: str
    phone_number: str
    sid: str = field(default_factory=lambda: new_sid("PN"))
    date_created: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict:
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "capabilities": {"sms": True, "mms": True, "voice": True, "fax": False},
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_created),
            "friendly_name": self.phone_number,
            "phone_number": self.phone_number,
            "sid": self.sid,
            "status": "in-use",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/IncomingPhoneNumbers/{self.sid}.json",
        }


def number_page(numbers: list[IncomingNumber], account_sid: str, phone_number: str | None) -> dict:
    """One page holding every match (an account owns few numbers; filtered by PhoneNumber, one)."""
    matching = [n for n in numbers if phone_number is None or n.phone_number == phone_number]
    filters = [("PhoneNumber", phone_number)] if phone_number else []
    query = urlencode(filters + [("PageSize", 50), ("Page", 0)])
    uri = f"/{API_VERSION}/Accounts/{account_sid}/IncomingPhoneNumbers.json?{query}"
    return {
        "end": max(len(matching) - 1, 0),
        "first_page_uri": uri,
        "incoming_phone_numbers": [n.to_json() for n in matching],
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": uri,
    }
