"""A Resend (svix) signature's timestamp is judged by ingress's clock on both sides of its
window, whatever the wall clock says (svix's own verifier would judge it by the wall clock)."""
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from svix.webhooks import Webhook

from ingress.domain.resend_webhooks import verify_resend
from ingress.domain.webhooks import SIGNATURE_WINDOW_SECONDS, Forged
from revgen_fakes.resend import sign_svix

SECRET = "whsec_" + base64.b64encode(b"resend-window-test-key-32-bytes!").decode()
BODY = json.dumps({"type": "email.bounced", "data": {"to": ["ada@example.com"]}}).encode()
NOW = datetime(2021, 3, 2, 14, 0, tzinfo=UTC)  # years before any wall clock that runs this


def verify(headers: dict[str, str]):
    return verify_resend(BODY, headers, Webhook(SECRET), NOW.timestamp())


def test_a_signature_made_now_by_ingress_clock_passes_though_the_wall_clock_is_years_later():
    assert verify(sign_svix(SECRET, "msg_window", NOW, BODY)).provider_id == "msg_window"


@pytest.mark.parametrize("age", [SIGNATURE_WINDOW_SECONDS + 1, -(SIGNATURE_WINDOW_SECONDS + 1)], ids=["too-old", "too-new"])
def test_a_signature_outside_the_window_of_ingress_clock_is_expired(age):
    with pytest.raises(Forged) as refused:
        verify(sign_svix(SECRET, "msg_window", NOW - timedelta(seconds=age), BODY))
    assert refused.value.reason == "expired_signature"


def test_a_signature_by_another_secret_or_with_a_timestamp_that_is_no_number_is_a_bad_signature():
    other = "whsec_" + base64.b64encode(b"someone-else-entirely-32-bytes!!").decode()
    not_a_number = {**sign_svix(SECRET, "msg_window", NOW, BODY), "svix-timestamp": "yesterday"}
    for headers in (sign_svix(other, "msg_window", NOW, BODY), not_a_number):
        with pytest.raises(Forged) as refused:
            verify(headers)
        assert refused.value.reason == "bad_signature"
