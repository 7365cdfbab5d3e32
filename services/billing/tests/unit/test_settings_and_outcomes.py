"""Start-up refusal, and which outcome a subscription change is worth."""
import os
import subprocess
import sys

import pytest

from billing.domain.retention import retention_offer
from billing.domain.subscription_state import Stored, outcomes
from revgen_common.settings import EXIT_BAD_SETTINGS


@pytest.mark.parametrize("key", [None, "", "sk_test_", "changeme"])
def test_billing_refuses_to_start_without_a_real_stripe_key_naming_every_bad_variable(key):
    env = {k: v for k, v in os.environ.items() if k not in ("STRIPE_API_KEY", "BILLING_DATABASE_URL", "BILLING_API_TOKEN")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:9"
    if key is not None:
        env["STRIPE_API_KEY"] = key
    result = subprocess.run([sys.executable, "-m", "billing.main"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT_BAD_SETTINGS
    assert "STRIPE_API_KEY" in result.stderr and "BILLING_DATABASE_URL" in result.stderr
    assert "BILLING_API_TOKEN is missing" in result.stderr


def stored(status="active", paused=False, at_period_end=False, plan="basic"):
    return Stored(status, paused, at_period_end, plan)


@pytest.mark.parametrize(("before", "after", "expected"), [
    (None, stored(), ["SubscriptionActivated"]),
    (None, stored("trialing"), ["SubscriptionActivated"]),
    (None, stored("incomplete"), []),
    (stored("incomplete"), stored(), ["SubscriptionActivated"]),
    (stored(), stored(), []),
    (stored(), stored(plan="pro"), ["SubscriptionChanged"]),
    (stored(), stored(at_period_end=True), ["SubscriptionChanged"]),
    (stored(), stored(paused=True), ["SubscriptionPaused"]),
    (stored(paused=True), stored(), ["SubscriptionResumed"]),
    (stored(), stored("canceled"), ["SubscriptionCanceled"]),
    (stored("canceled"), stored("canceled"), []),
    (stored("past_due"), stored(), []),
])
def test_a_change_is_worth_exactly_these_outcomes(before, after, expected):
    assert outcomes(before, after) == expected


def test_the_retention_offer_uses_real_numbers_or_says_it_has_none():
    offer = retention_offer(decided=20, won=5, won_value_cents=250_000, price_cents=9900, interval="month")
    assert offer.conversion_rate == 0.25 and offer.average_job_value_cents == 50_000 and offer.enough_data
    thin = retention_offer(decided=2, won=1, won_value_cents=10_000, price_cents=9900, interval="month")
    assert not thin.enough_data and thin.conversion_rate is None and thin.average_job_value_cents is None


def test_the_average_job_value_divides_only_by_the_wins_that_have_a_value():
    offer = retention_offer(decided=10, won=4, won_value_cents=300_000, price_cents=9900, interval="month",
                            won_with_value=2)
    assert offer.average_job_value_cents == 150_000 and offer.conversion_rate == 0.4
    unvalued = retention_offer(decided=10, won=4, won_value_cents=0, price_cents=9900, interval="month",
                               won_with_value=0)
    assert unvalued.enough_data and unvalued.average_job_value_cents is None
