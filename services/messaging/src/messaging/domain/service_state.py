"""Whether a client is served, decided from what billing reported (ADR 0012): a pure
function of the set of facts, so the order they arrive in and how often never matter.

Each fact is one billing event about one subscription at the instant it occurred: a
subscription outcome (Stripe's status and whether it is paused) or a payment outcome
(paid, or failed / waiting for the customer's authentication).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PAID = "paid"
PAYMENT_FAILED = "payment_failed"
GOOD_STANDING = frozenset({"active", "trialing", PAID})
# Stripe is still collecting (`unpaid`: it stopped retrying, and no later payment came):
# the grace counts from the first of a run of these.
PAST_DUE = frozenset({"past_due", "unpaid", "incomplete", PAYMENT_FAILED})
ENDED = frozenset({"canceled", "incomplete_expired"})  # Stripe never revives these


@dataclass(frozen=True)
class Fact:
    subscription_id: str
    occurred_at: datetime
    status: str  # Stripe's subscription status, or PAID / PAYMENT_FAILED
    paused: bool | None = None  # None: a payment says nothing of a pause


@dataclass(frozen=True)
class ServiceState:
    status: str  # active | trialing | past_due | suspended
    reason: str | None = None  # why suspended: canceled | paused
    since: datetime | None = None  # past due since, or suspended since

    def served(self, now: datetime, grace: timedelta) -> bool:
        if self.status == "past_due":
            assert self.since is not None
            return now < self.since + grace
        return self.status != "suspended"

    def suspended_since(self, grace: timedelta) -> datetime | None:
        """When service stopped (a past-due client: when its grace ended)."""
        if self.status == "past_due" and self.since is not None:
            return self.since + grace
        return self.since if self.status == "suspended" else None

    def why(self) -> str:
        return self.reason or "unpaid"


SERVED = ServiceState("active")  # a client billing never spoke of


def service_state(facts: Iterable[Fact]) -> ServiceState:
    """The client's state: the best of its subscriptions' (one served is enough)."""
    by_subscription: dict[str, list[Fact]] = {}
    for fact in facts:
        by_subscription.setdefault(fact.subscription_id, []).append(fact)
    if not by_subscription:
        return SERVED
    return min((_subscription_state(sorted(found, key=_order)) for found in by_subscription.values()), key=_preference)


def _order(fact: Fact) -> tuple[datetime, int]:
    # At the same instant, good standing counts as the later: a payment that arrived is proof.
    return fact.occurred_at, fact.status in GOOD_STANDING


def _preference(state: ServiceState) -> tuple[int, float]:
    rank = {"active": 0, "trialing": 0, "past_due": 1}.get(state.status, 2)
    # Among past-due subscriptions the latest grace, among suspended ones the latest cause.
    return rank, -(state.since.timestamp() if state.since else 0.0)


def _subscription_state(facts: list[Fact]) -> ServiceState:
    ended = [f.occurred_at for f in facts if f.status in ENDED]
    if ended:
        return ServiceState("suspended", "canceled", min(ended))
    lifecycle = [f for f in facts if f.paused is not None]
    if lifecycle and _paused(lifecycle[-1]):
        return ServiceState("suspended", "paused", _start_of_run(lifecycle, _paused))
    standing = [f for f in facts if f.status in GOOD_STANDING | PAST_DUE]
    if standing and standing[-1].status in PAST_DUE:
        return ServiceState("past_due", None, _start_of_run(standing, lambda f: f.status in PAST_DUE))
    trialing = bool(lifecycle) and lifecycle[-1].status == "trialing"
    return ServiceState("trialing" if trialing else "active")


def _paused(fact: Fact) -> bool:
    return bool(fact.paused) or fact.status == "paused"


def _start_of_run(ordered: list[Fact], inside: Callable[[Fact], bool]) -> datetime:
    """When the run of facts at the end of `ordered` for which `inside` holds began."""
    start = ordered[-1].occurred_at
    for fact in reversed(ordered):
        if not inside(fact):
            break
        start = fact.occurred_at
    return start
