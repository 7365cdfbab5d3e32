"""Everything the Twilio fake knows, and the knobs and accessors tests use."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from revgen_fakes.request_log import RequestLog
from revgen_fakes.twilio.delivery import CallbackDelivery, Courier, Outcome
from revgen_fakes.twilio.messages import Message, utcnow
from revgen_fakes.twilio.numbers import IncomingNumber
from revgen_fakes.twilio.webhooks import Signed, call_status_request, inbound_sms_request

# Twilio's default opt-out and opt-in keywords (Advanced Opt-Out off).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP"}


@dataclass(eq=False, kw_only=True)
class TwilioState:
    account_sid: str = "AC" + "0123456789abcdef" * 2
    auth_token: str = "fedcba9876543210" * 2
    callback_delay: float = 0.0  # seconds between a message's status changes (and callbacks)
    latency: float = 0.0  # seconds Twilio takes to accept a message (benchmarks use 0.2)
    duplicate_callbacks: bool = False  # every status callback is sent twice
    shuffle_callbacks: bool = False  # a message's callbacks are sent out of lifecycle order
    # Off: messages still move through their statuses, but no callback is POSTed. For
    # benchmarks whose receiver is not under test: the fake's own HTTP client then costs
    # the shared CPU nothing (real Twilio pays for its callbacks on its own machines).
    send_callbacks: bool = True
    seed: int = 0
    service_sender: str = "+15005550006"  # the number a Messaging Service sends from
    # Twilio's own clock (date_created, date_sent): tests share theirs with the code under
    # test, so both sides agree on the instant whatever the date.
    clock: Callable[[], datetime] = utcnow

    messages: list[Message] = field(default_factory=list)  # every accepted message, in order
    numbers: list[IncomingNumber] = field(default_factory=list)  # the account's phone numbers
    callbacks: list[CallbackDelivery] = field(default_factory=list)  # every status callback sent
    requests: RequestLog = field(default_factory=RequestLog)  # every request that reached the port
    # Numbers with an emergency address registered: Twilio refuses to release them until it is removed.
    emergency_addresses: set[str] = field(default_factory=set)
    recording_fetches: list[str] = field(default_factory=list)  # the sid of each recording's audio served
    _unsubscribed: set[tuple[str, str | None]] = field(default_factory=set, repr=False)
    _outcomes: dict[str, Outcome] = field(default_factory=dict, repr=False)
    _courier: Courier = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._courier = Courier(self)

    def now(self) -> datetime:
        """Twilio's timestamps have whole seconds."""
        return self.clock().replace(microsecond=0)

    # --- scenario set-up -------------------------------------------------------------

    def unsubscribe(self, number: str, from_: str | None = None) -> None:
        """`number` opted out (of `from_` only, or of every sender): sends to it get 21610."""
        self._unsubscribed.add((number, from_))

    def resubscribe(self, number: str, from_: str | None = None) -> None:
        self._unsubscribed.discard((number, from_))

    def is_unsubscribed(self, number: str, from_: str | None) -> bool:
        return (number, None) in self._unsubscribed or (number, from_) in self._unsubscribed

    def buy_number(self, phone_number: str) -> IncomingNumber:
        """The account owns `phone_number` (as after buying it in the console)."""
        number = IncomingNumber(self.account_sid, phone_number, date_created=self.now())
        self.numbers.append(number)
        return number

    def owns(self, phone_number: str) -> bool:
        return any(n.phone_number == phone_number for n in self.numbers)

    def fail_delivery(self, number: str, error_code: int = 30003, status: str = "undelivered") -> None:
        """Messages to `number` end `undelivered` (the carrier refused them) or `failed`
        (Twilio could not send them) with `error_code`."""
        if status not in ("undelivered", "failed"):
            raise ValueError(f"a failed delivery ends undelivered or failed, not {status!r}")
        self._outcomes[number] = Outcome(status, error_code)

    def outcome_for(self, number: str) -> Outcome:
        return self._outcomes.get(number, Outcome())

    # --- what happened ---------------------------------------------------------------

    def sent_to(self, number: str) -> list[Message]:
        return [m for m in self.messages if m.to == number]

    def message(self, sid: str) -> Message | None:
        return next((m for m in self.messages if m.sid == sid), None)

    def callbacks_for(self, sid: str) -> list[CallbackDelivery]:
        return [c for c in self.callbacks if c.params["MessageSid"] == sid]

    # --- lifecycle ---------------------------------------------------------------------

    def accept(self, message: Message) -> None:
        self.messages.append(message)
        self._courier.dispatch(message)

    async def flush_callbacks(self) -> None:
        """Wait until every accepted message has reached its final status and every status
        callback has been answered (or failed)."""
        await self._courier.flush()

    async def aclose(self) -> None:
        await self._courier.aclose()

    # --- webhooks towards our ingress -----------------------------------------------------

    def inbound_sms_request(self, url: str, from_: str, to: str, body: str, **extra: str) -> Signed:
        """A signed inbound-SMS webhook. A STOP/START keyword also opts `from_` out of (in to)
        messages from `to`, as Twilio's default opt-out handling does."""
        keyword = body.strip().upper()
        if keyword in STOP_WORDS:
            self.unsubscribe(from_, to)
            extra.setdefault("OptOutType", "STOP")
        elif keyword in START_WORDS:
            self.resubscribe(from_, to)
            self.resubscribe(from_)
            extra.setdefault("OptOutType", "START")
        return inbound_sms_request(url, from_, to, body, auth_token=self.auth_token,
                                   account_sid=self.account_sid, **extra)

    def call_status_request(self, url: str, from_: str, to: str, call_status: str, **options) -> Signed:
        return call_status_request(url, from_, to, call_status, auth_token=self.auth_token,
                                   account_sid=self.account_sid, **options)
