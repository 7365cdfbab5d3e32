"""A Stripe signature's timestamp is judged by ingress's clock on both sides of its window,
whatever the wall clock says (the SDK alone would judge the old side by the wall clock)."""
import json
from datetime import UTC, datetime

import pytest

from ingress.domain.stripe_webhooks import verify_stripe
from ingress.domain.webhooks import SIGNATURE_WINDOW_SECONDS, Forged
from revgen_common.testing.provider_signatures import stripe_signature_header

SECRET = "whsec_window_5b2d8c4e6a0f1b3d"
BODY = json.dumps({"id": "evt_window", "type": "charge.dispute.created"}).encode()
NOW = datetime(2021, 3, 2, 14, 0, tzinfo=UTC).timestamp()  # years before any wall clock that runs this


def test_a_signature_made_now_by_ingress_clock_passes_though_the_wall_clock_is_years_later():
    header = stripe_signature_header(BODY, [SECRET], timestamp=int(NOW))
    assert verify_stripe(BODY, header, SECRET, NOW).provider_id == "evt_window"


@pytest.mark.parametrize("age", [SIGNATURE_WINDOW_SECONDS + 1, -(SIGNATURE_WINDOW_SECONDS + 1)], ids=["too-old", "too-new"])
def test_a_signature_outside_the_window_of_ingress_clock_is_expired(age):
    header = stripe_signature_header(BODY, [SECRET], timestamp=int(NOW) - age)
    with pytest.raises(Forged) as refused:
        verify_stripe(BODY, header, SECRET, NOW)
    assert refused.value.reason == "expired_signature"


def test_a_wrong_signature_in_the_window_is_a_bad_signature():
    header = stripe_signature_header(BODY, ["whsec_someone_else_1234"], timestamp=int(NOW))
    with pytest.raises(Forged) as refused:
        verify_stripe(BODY, header, SECRET, NOW)
    assert refused.value.reason == "bad_signature"
