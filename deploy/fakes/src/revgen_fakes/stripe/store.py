"""The fake's memory: Stripe objects by type, the event log with its subscribers, the
request log and idempotency keys. Everything here is synchronous on purpose: a request
mutates state without awaiting, so it commits as a whole or not at all."""
from __future__ import annotations

import contextlib
import copy
import fnmatch
import logging
import random
import string
import time
from collections.abc import Callable
from typing import NamedTuple

from revgen_fakes.stripe.errors import no_such
from revgen_fakes.stripe.idempotency import IdempotencyKeys

API_VERSION = "2026-10-28.endive"
OBJECT_TYPES = ("product", "price", "coupon", "customer", "subscription", "invoice", "invoice_payment", "charge",
                "refund", "dispute", "checkout.session", "payment_method", "discount", "event")

log = logging.getLogger(__name__)


class RequestRecord(NamedTuple):
    method: str
    path: str
    idempotency_key: str | None
    params: dict
    replayed: bool


class Store:
    def __init__(self, clock: Callable[[], int] | None = None, seed: int | None = None):
        self.clock: Callable[[], int] = clock or (lambda: int(time.time()))
        self._random = random.Random(seed)
        self.tables: dict[str, dict[str, dict]] = {name: {} for name in OBJECT_TYPES}
        self.products, self.prices, self.coupons = self.tables["product"], self.tables["price"], self.tables["coupon"]
        self.customers, self.subscriptions = self.tables["customer"], self.tables["subscription"]
        self.invoices, self.invoice_payments = self.tables["invoice"], self.tables["invoice_payment"]
        self.charges, self.refunds, self.disputes = self.tables["charge"], self.tables["refund"], self.tables["dispute"]
        self.checkout_sessions, self.payment_methods = self.tables["checkout.session"], self.tables["payment_method"]
        self.discounts = self.tables["discount"]
        self.events: list[dict] = []  # oldest first
        self.undelivered: list[dict] = []  # recorded, listed by GET /v1/events, never given to subscribers
        self.requests: list[RequestRecord] = []
        self.idempotency = IdempotencyKeys()
        self.request_context: dict = {"id": None, "idempotency_key": None}  # None: an automatic event
        self._subscribers: list[Callable[[dict], None]] = []
        self._drops: list[list] = []  # [event type pattern, how many more to drop]

    def token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self._random.choices(alphabet, k=length))

    def new_id(self, prefix: str, length: int = 24) -> str:
        return f"{prefix}_{self.token(length)}"

    def get(self, object_type: str, object_id: str, param: str = "id") -> dict:
        found = self.tables[object_type].get(object_id)
        if found is None:
            raise no_such(object_type, object_id, param)
        return found

    def find(self, object_id: str) -> dict | None:
        """Any object by id (expansion of references)."""
        return next((table[object_id] for table in self.tables.values() if object_id in table), None)

    def add(self, obj: dict, event_type: str | None = None) -> dict:
        self.tables[obj["object"]][obj["id"]] = obj
        if event_type:
            self.emit(event_type, obj)
        return obj

    # --- events ---

    def subscribe(self, callback: Callable[[dict], None]) -> None:
        """callback(event) runs synchronously for each new event, like a webhook endpoint."""
        self._subscribers.append(callback)

    def drop_event(self, event_type: str = "*", count: int = 1) -> None:
        """The next `count` events matching `event_type` (fnmatch pattern) are recorded but
        not delivered: a webhook that never arrived, visible only through GET /v1/events."""
        self._drops.append([event_type, count])

    def emit(self, event_type: str, obj: dict, previous_attributes: dict | None = None) -> dict:
        data = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        event: dict = {"id": self.new_id("evt"), "object": "event", "api_version": API_VERSION, "created": self.clock(),
                 "data": data, "livemode": False, "pending_webhooks": 1, "request": dict(self.request_context),
                 "type": event_type}
        self.events.append(event)
        self.tables["event"][event["id"]] = event
        if self._take_drop(event_type):
            self.undelivered.append(event)
            return event
        for callback in list(self._subscribers):
            try:
                callback(copy.deepcopy(event))
            except Exception:  # a failing webhook endpoint never fails the API request
                log.exception("event subscriber failed on %s", event["id"])
        return event

    def _take_drop(self, event_type: str) -> bool:
        for drop in self._drops:
            if fnmatch.fnmatchcase(event_type, drop[0]):
                drop[1] -= 1
                if drop[1] <= 0:
                    self._drops.remove(drop)
                return True
        return False

    @contextlib.contextmanager
    def updating(self, obj: dict, event_type: str):
        """Emits `event_type` if the block changed `obj`; as Stripe documents, only
        `*.updated` events carry previous_attributes."""
        before = copy.deepcopy(obj)
        yield obj
        previous = {key: before.get(key) for key in obj if before.get(key) != obj[key]}
        if previous:
            self.emit(event_type, obj, previous if event_type.endswith(".updated") else None)

    def expire_idempotency_keys(self) -> None:
        """Stripe keeps keys for at least 24 hours; this is their expiry, now."""
        self.idempotency.expire_all()
