"""The Message resource as Twilio's 2010-04-01 API represents it."""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import overload

API_VERSION = "2010-04-01"

# GSM 03.38: the basic set costs one septet, the extension set two (escape + char).
_GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
                 "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENSION = set("^{}\\[~]|€\f")


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@overload
def rfc2822(moment: datetime) -> str: ...
@overload
def rfc2822(moment: datetime | None) -> str | None: ...
def rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment else None


def count_segments(body: str) -> int:
    """SMS segments Twilio bills: 160 GSM-7 septets (153 when concatenated), else 70 UTF-16
    units (67 when concatenated)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in body):
        units, single, part = sum(2 if ch in _GSM_EXTENSION else 1 for ch in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Message:
    account_sid: str
    to: str
    from_: str | None
    body: str
    status: str
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    num_media: int = 0
    sid: str = field(default_factory=lambda: new_sid("SM"))
    direction: str = "outbound-api"
    date_created: datetime = field(default_factory=utcnow)
    date_updated: datetime | None = None
    date_sent: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    price: str | None = None

    def __post_init__(self) -> None:
        self.date_updated = self.date_updated or self.date_created

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    @property
    def num_segments(self) -> int:
        # Via a Messaging Service no sender is chosen yet at creation, so Twilio says 0.
        if self.messaging_service_sid and self.status == "accepted":
            return 0
        return count_segments(self.body)

    def to_json(self) -> dict:
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(self.num_media),
            "num_segments": str(self.num_segments),
            "price": self.price,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": self.uri.removesuffix(".json") + "/Media.json"},
            "to": self.to,
            "uri": self.uri,
        }
