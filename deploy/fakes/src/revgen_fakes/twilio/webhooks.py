"""Webhooks Twilio would send to our ingress (an inbound SMS, a call's status), built and
signed exactly as Twilio builds them, for tests that POST them at a given public URL:

    params, headers = inbound_sms_request(url, "+15550001111", "+15559998888", "Hi", auth_token=...)
    await client.post(path, data=params, headers=headers)

The signature covers `url` verbatim (scheme, host, port, path, query), so pass the URL the
receiver will reconstruct, not the one the test client happens to dial.
"""
from __future__ import annotations

import uuid

from revgen_common.testing.provider_signatures import twilio_signature
from revgen_fakes.twilio.messages import API_VERSION, count_segments, new_sid, rfc2822, utcnow

Signed = tuple[dict[str, str], dict[str, str]]


def signed(url: str, params: dict[str, str], auth_token: str) -> Signed:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1",
               "X-Twilio-Signature": twilio_signature(auth_token, url, params),
               "I-Twilio-Idempotency-Token": str(uuid.uuid4())}
    return params, headers


def inbound_sms_request(url: str, from_: str, to: str, body: str, *, auth_token: str, account_sid: str,
                        message_sid: str | None = None, **extra: str) -> Signed:
    """`extra` adds or overrides parameters (e.g. MessagingServiceSid, OptOutType, NumMedia)."""
    sid = message_sid or new_sid("SM")
    params = {"ToCountry": "US", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
              "Body": body, "To": to, "NumSegments": str(count_segments(body)), "MessageSid": sid,
              "AccountSid": account_sid, "From": from_, "FromCountry": "US", "ApiVersion": API_VERSION, **extra}
    return signed(url, params, auth_token)


def call_status_request(url: str, from_: str, to: str, call_status: str, *, auth_token: str, account_sid: str,
                        call_sid: str | None = None, sequence_number: int = 0, direction: str = "inbound",
                        **extra: str) -> Signed:
    """A call status callback (initiated, ringing, in-progress, completed, busy, no-answer,
    failed, canceled); `completed` carries a CallDuration unless `extra` gives one."""
    params = {"CallSid": call_sid or new_sid("CA"), "AccountSid": account_sid, "From": from_, "To": to,
              "CallStatus": call_status, "ApiVersion": API_VERSION, "Direction": direction,
              "CallbackSource": "call-progress-events", "Timestamp": rfc2822(utcnow()),
              "SequenceNumber": str(sequence_number)}
    if call_status == "completed":
        params["CallDuration"] = "0"
    params.update(extra)
    return signed(url, params, auth_token)
