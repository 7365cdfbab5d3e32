"""Everything the Resend fake knows: the e-mails it accepted, the idempotency keys it has
seen, each API key's rate limit, and the signed webhooks it would send about an e-mail."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from revgen_fakes.request_log import RequestLog

DEFAULT_RATE = 2.0  # requests per second per team: Resend's default


@dataclass(frozen=True)
class SentEmail:
    id: str
    api_key: str
    from_: str
    to: tuple[str, ...]
    subject: str
    text: str | None
    html: str | None
    created_at: datetime
    idempotency_key: str | None = None

    def as_resource(self) -> dict:
        """GET /emails/{id}'s shape."""
        return {"object": "email", "id": self.id, "from": self.from_, "to": list(self.to), "subject": self.subject,
                "text": self.text, "html": self.html, "created_at": self.created_at.isoformat(),
                "last_event": "delivered"}


@dataclass
class Remembered:
    """What an idempotency key was first used for, and the answer it got."""
    fingerprint: str
    status: int
    body: dict


@dataclass
class Window:
    """A per-second fixed window, as Resend counts (ratelimit-reset is whole seconds)."""
    started: float
    used: int = 0


@dataclass(eq=False, kw_only=True)
class ResendState:
    api_keys: set[str] = field(default_factory=lambda: {"re_test"})
    requests_per_second: float = DEFAULT_RATE
    # Svix's secret form: "whsec_" + base64 of the key; webhooks() signs with it.
    webhook_secret: str = "whsec_" + base64.b64encode(b"revgen-resend-fake-webhook-key!!").decode()
    clock: Callable[[], float] = time.monotonic  # paces the rate windows
    # Resend's own clock (an e-mail's created_at, a webhook's svix-timestamp): tests share
    # theirs with the code under test, so both sides agree on the instant whatever the date.
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    emails: list[SentEmail] = field(default_factory=list)  # in the order accepted
    idempotency: dict[tuple[str, str], Remembered] = field(default_factory=dict)
    requests: RequestLog = field(default_factory=RequestLog)  # every request that reached the port
    _windows: dict[str, Window] = field(default_factory=dict)

    def sent_to(self, address: str) -> list[SentEmail]:
        return [e for e in self.emails if address.lower() in (a.lower() for a in e.to)]

    def find(self, email_id: str) -> SentEmail | None:
        return next((e for e in self.emails if e.id == email_id), None)

    def take_request(self, api_key: str) -> float:
        """0.0: the key may make this request. Else the seconds until its window resets."""
        now, limit = self.clock(), max(1, int(self.requests_per_second))
        window = self._windows.get(api_key)
        if window is None or now - window.started >= 1.0:
            window = self._windows[api_key] = Window(now)
        if window.used >= limit:
            return 1.0 - (now - window.started)
        window.used += 1
        return 0.0

    def remaining(self, api_key: str) -> int:
        window = self._windows.get(api_key)
        return max(1, int(self.requests_per_second)) - (window.used if window else 0)

    def accept(self, api_key: str, body: dict, idempotency_key: str | None) -> SentEmail:
        to = body["to"] if isinstance(body["to"], list) else [body["to"]]
        created = self.now()  # Resend stamps an e-mail with its own time, not the caller's
        email = SentEmail(str(uuid.uuid4()), api_key, body["from"], tuple(to), body["subject"], body.get("text"),
                          body.get("html"), created, idempotency_key)
        self.emails.append(email)
        return email

    def webhook(self, email: SentEmail, type_: str, *, bounce_type: str = "Permanent",
                svix_id: str | None = None, at: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and svix headers Resend would POST about `email` (`email.delivered`,
        `email.bounced`, `email.complained`, …), signed with `webhook_secret`."""
        at = at or self.now()
        data: dict = {"email_id": email.id, "from": email.from_, "to": list(email.to), "subject": email.subject,
                      "created_at": email.created_at.isoformat()}
        if type_ == "email.bounced":
            data["bounce"] = {"type": bounce_type, "subType": "General",
                              "message": "The recipient's email provider sent a hard bounce message."}
        body = json.dumps({"type": type_, "created_at": at.isoformat(), "data": data}).encode()
        return body, sign_svix(self.webhook_secret, svix_id or f"msg_{uuid.uuid4().hex}", at, body)


def sign_svix(secret: str, svix_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """Svix's scheme, written out (not the svix package, so the verifier is checked against
    an independent signer): base64 HMAC-SHA256 of "{id}.{unix seconds}.{body}"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    timestamp = str(int(at.timestamp()))
    digest = hmac.new(key, f"{svix_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {"svix-id": svix_id, "svix-timestamp": timestamp,
            "svix-signature": "v1," + base64.b64encode(digest).decode()}
