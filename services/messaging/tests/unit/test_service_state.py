"""A client's service state is a function of billing's facts, not of their order (ADR 0012)."""
import itertools
from datetime import datetime, timedelta

import pytest

from messaging.domain.service_state import PAID, PAYMENT_FAILED, SERVED, Fact, ServiceState, service_state
from revgen_common.testing.clock import DEFAULT_START

T = DEFAULT_START
GRACE = timedelta(days=7)


def at(days: float) -> datetime:
    return T + timedelta(days=days)


HISTORIES = {
    "paid up": ([Fact("s", at(0), "active", False), Fact("s", at(30), PAYMENT_FAILED), Fact("s", at(31), PAID)],
                ServiceState("active")),
    "past due since the first failure of the run": (
        [Fact("s", at(0), "trialing", False), Fact("s", at(14), PAID), Fact("s", at(30), PAYMENT_FAILED),
         Fact("s", at(33), PAYMENT_FAILED), Fact("s", at(36), "past_due", False)],
        ServiceState("past_due", None, at(30))),
    "canceled for good, whatever came after": (
        [Fact("s", at(0), "active", False), Fact("s", at(10), "canceled", False), Fact("s", at(11), PAID),
         Fact("s", at(12), "active", False)],
        ServiceState("suspended", "canceled", at(10))),
    "paused since the pause, a payment meanwhile notwithstanding": (
        [Fact("s", at(0), "active", False), Fact("s", at(5), "active", True), Fact("s", at(6), PAID),
         Fact("s", at(7), "active", True)],
        ServiceState("suspended", "paused", at(5))),
    "a new subscription after a cancelled one": (
        [Fact("old", at(0), "active", False), Fact("old", at(10), "canceled", False), Fact("new", at(12), "trialing", False)],
        ServiceState("trialing")),
}


@pytest.mark.parametrize("name", HISTORIES)
def test_every_order_of_a_clients_billing_facts_gives_the_same_state(name):
    facts, expected = HISTORIES[name]
    assert {service_state(order) for order in itertools.permutations(facts)} == {expected}


def test_a_client_billing_never_spoke_of_is_served():
    assert service_state([]) == SERVED and SERVED.served(T, GRACE)


def test_past_due_is_served_until_the_grace_has_run_from_the_first_failure():
    state = service_state([Fact("s", at(0), PAYMENT_FAILED), Fact("s", at(2), PAYMENT_FAILED)])
    assert state.served(at(7) - timedelta(seconds=1), GRACE)
    assert not state.served(at(7), GRACE)
    assert state.suspended_since(GRACE) == at(7) and state.why() == "unpaid"


def test_a_resume_ends_a_pause_and_a_cancel_suspends_from_when_it_happened():
    resumed = service_state([Fact("s", at(0), "active", True), Fact("s", at(3), "active", False)])
    assert resumed == ServiceState("active") and resumed.suspended_since(GRACE) is None
    assert service_state([Fact("s", at(4), "canceled", False)]).suspended_since(GRACE) == at(4)
