"""Stripe's subscription, as billing keeps it, and which outcome a change is.

Local state is always Stripe's current state (re-fetched), never built up from the order
events arrived in; outcomes come from comparing what we had with what Stripe has now, so a
duplicate or a late event finds nothing changed and publishes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

LIVE = frozenset({"trialing", "active", "past_due", "paused", "incomplete", "unpaid"})
BILLABLE = frozenset({"trialing", "active"})
# Plans cannot be deactivated under these (B1); `incomplete` may still be paid and become active.
HOLDS_PLAN = frozenset({"trialing", "active", "past_due", "paused", "unpaid", "incomplete"})


def _time(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    customer: str
    status: str
    paused: bool
    cancel_at_period_end: bool
    price_id: str | None
    unit_amount_cents: int | None
    currency: str | None
    interval: str | None
    current_period_end: datetime | None
    trial_end: datetime | None
    canceled_at: datetime | None
    metadata: dict[str, str]

    @classmethod
    def from_stripe(cls, obj: dict[str, Any]) -> "SubscriptionState":
        items = (obj.get("items") or {}).get("data") or [{}]
        item = items[0]
        price = item.get("price") or {}
        return cls(
            id=obj["id"], customer=obj["customer"], status=obj["status"],
            # Pausing collection keeps Stripe's status "active"; both forms mean paused to us.
            paused=obj["status"] == "paused" or bool(obj.get("pause_collection")),
            cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
            price_id=price.get("id"), unit_amount_cents=price.get("unit_amount"), currency=price.get("currency"),
            interval=(price.get("recurring") or {}).get("interval"),
            current_period_end=_time(item.get("current_period_end")),
            trial_end=_time(obj.get("trial_end")), canceled_at=_time(obj.get("canceled_at")),
            metadata=dict(obj.get("metadata") or {}))


@dataclass(frozen=True)
class Stored:
    status: str
    paused: bool
    cancel_at_period_end: bool
    plan_id: str | None


def outcomes(before: Stored | None, after: Stored) -> list[str]:
    """The events one change is worth, in the order they happened."""
    was_billable = before is not None and before.status in BILLABLE | {"past_due", "paused", "unpaid"}
    if after.status == "canceled":
        return ["SubscriptionCanceled"] if before is not None and before.status != "canceled" else []
    if after.status in BILLABLE and not was_billable:
        return ["SubscriptionActivated"]
    if before is None:
        return []
    found = []
    if before.plan_id != after.plan_id or before.cancel_at_period_end != after.cancel_at_period_end:
        found.append("SubscriptionChanged")
    if after.paused != before.paused:
        found.append("SubscriptionPaused" if after.paused else "SubscriptionResumed")
    return found
