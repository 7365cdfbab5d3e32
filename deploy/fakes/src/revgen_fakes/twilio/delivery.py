"""What happens to a message after Twilio accepts it: its status moves on (queued -> sent ->
delivered, or to undelivered/failed with an ErrorCode) and each change after creation is
POSTed, signed, to its StatusCallback. Twilio sends no callback for the initial status.

On request the callbacks arrive late, twice, or out of order, because the real ones can
and a consumer must cope; a duplicate carries the same I-Twilio-Idempotency-Token (Twilio's
header for recognising a redelivery). The resource itself never lags a callback already
sent: fetching a message after its "delivered" callback arrived says delivered.
"""
from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx

from revgen_common.testing.provider_signatures import twilio_signature
from revgen_fakes.twilio.messages import API_VERSION, Message

if TYPE_CHECKING:
    from revgen_fakes.twilio.state import TwilioState

# Descriptions Twilio gives its most common delivery errors.
ERROR_MESSAGES: dict[int | None, str] = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}
WEBHOOK_TIMEOUT = 15.0  # seconds Twilio waits for a webhook response


@dataclass(frozen=True)
class Outcome:
    status: str = "delivered"  # or "undelivered" / "failed"
    error_code: int | None = None


@dataclass
class CallbackDelivery:
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() when sent
    status_code: int | None = None
    error: str | None = None


def transitions(message: Message, outcome: Outcome) -> list[str]:
    steps = ["queued"] if message.status == "accepted" else []
    if outcome.status == "failed":  # never left Twilio
        return steps + ["failed"]
    return steps + ["sent", outcome.status]


def advance(message: Message, status: str, outcome: Outcome, service_sender: str, now: datetime) -> None:
    message.status, message.date_updated = status, now
    if status == "queued" and message.from_ is None:
        message.from_ = service_sender  # the Messaging Service picked a sender
    elif status == "sent":
        message.date_sent, message.price = now, f"-{0.0079 * message.num_segments:.5f}"
    elif status in ("undelivered", "failed"):
        message.error_code = outcome.error_code
        message.error_message = ERROR_MESSAGES.get(outcome.error_code, "Unknown error")


def callback_params(message: Message, status: str) -> dict[str, str]:
    params = {"AccountSid": message.account_sid, "ApiVersion": API_VERSION, "From": message.from_ or "",
              "To": message.to, "MessageSid": message.sid, "SmsSid": message.sid,
              "MessageStatus": status, "SmsStatus": status}
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if status in ("undelivered", "failed") and message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
    if status == "delivered" and message.date_updated:
        params["RawDlrDoneDate"] = message.date_updated.strftime("%y%m%d%H%M")
    return params


def callback_plan(statuses: list[str], duplicate: bool, shuffle: bool, rng: random.Random) -> list[str]:
    """The order callbacks go out in. Shuffled means really out of order: a shuffle that
    happens to keep the lifecycle order is reversed."""
    plan = [s for s in statuses for _ in range(2 if duplicate else 1)]
    if shuffle and len(set(plan)) > 1:
        rng.shuffle(plan)
        if plan == sorted(plan, key=statuses.index):
            plan.reverse()
    return plan


class Courier:
    """Runs each accepted message's lifecycle as a background task, reading the state's
    knobs (delay, duplication, shuffling) when it runs, so a test may change them mid-way."""

    def __init__(self, state: TwilioState):
        self.state = state
        self.rng = random.Random(state.seed)
        self._pending: set[asyncio.Task] = set()
        self._client: httpx.AsyncClient | None = None

    def dispatch(self, message: Message) -> None:
        task = asyncio.get_running_loop().create_task(self._run(message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def flush(self) -> None:
        """Wait for every lifecycle, re-raising the first that broke (a bug in the fake: a
        callback the receiver refused or never answered is recorded, not raised)."""
        while self._pending:
            outcomes = await asyncio.gather(*list(self._pending), return_exceptions=True)
            broken = [o for o in outcomes if isinstance(o, Exception)]
            if broken:
                raise broken[0]

    async def aclose(self) -> None:
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*list(self._pending), return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self, message: Message) -> None:
        state = self.state
        outcome = state.outcome_for(message.to)
        steps = transitions(message, outcome)
        plan = (callback_plan(steps, state.duplicate_callbacks, state.shuffle_callbacks, self.rng)
                if message.status_callback and state.send_callbacks else [])
        applied = 0
        for tick in range(max(len(steps), len(plan))):
            await asyncio.sleep(state.callback_delay)
            # Move on one status per tick, and at least as far as the callback about to go out.
            reach = max(tick, steps.index(plan[tick])) if tick < len(plan) else tick
            while applied <= min(reach, len(steps) - 1):
                advance(message, steps[applied], outcome, state.service_sender, state.now())
                applied += 1
            if tick < len(plan):
                await self._post(message, plan[tick])

    async def _post(self, message: Message, status: str) -> None:
        url = message.status_callback
        assert url is not None  # only messages with a callback have their statuses posted
        params = callback_params(message, status)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1",
                   "X-Twilio-Signature": twilio_signature(self.state.auth_token, url, params),
                   "I-Twilio-Idempotency-Token": _idempotency_token(message.sid, status)}
        delivery = CallbackDelivery(url, params, headers, time.monotonic())
        self.state.callbacks.append(delivery)
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT)
        try:
            response = await self._client.post(url, content=urlencode(params), headers=headers)
            delivery.status_code = response.status_code
        except httpx.HTTPError as error:  # Twilio does not retry status callbacks either
            delivery.error = repr(error)


def _idempotency_token(sid: str, status: str) -> str:
    digest = hashlib.sha256(f"{sid}:{status}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
