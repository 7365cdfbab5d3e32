"""Twilio: `X-Twilio-Signature`, checked with the official RequestValidator over the exact
public URL Twilio called (PUBLIC_BASE_URL + path + query) and the POSTed parameters."""
from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook
from revgen_common.topics import TWILIO_CALLS, TWILIO_MESSAGE_STATUS, TWILIO_MESSAGES


class MultiValues(Mapping):
    """Form parameters with repeats kept, in the shape RequestValidator reads (getlist)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self._pairs = pairs
        self._first = {}
        for name, value in pairs:
            self._first.setdefault(name, value)

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]

    def __getitem__(self, name: str) -> str:
        return self._first[name]

    def __iter__(self):
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)

    def as_dict(self) -> dict[str, str | list[str]]:
        return {name: values[0] if len(values := self.getlist(name)) == 1 else values for name in self._first}


def verify_twilio(url: str, params: MultiValues, signature: str | None, token: str) -> None:
    if not signature:
        raise Forged("missing_signature", "X-Twilio-Signature header is missing")
    if not RequestValidator(token).validate(url, params, signature):
        raise Forged("bad_signature", "Twilio signature does not match")


def _required(params: MultiValues, *names: str) -> list[str]:
    missing = [name for name in names if not params.get(name)]
    if missing:
        raise Malformed("malformed_body", f"missing Twilio parameter(s): {', '.join(missing)}")
    return [params[name] for name in names]


def inbound_message(params: MultiValues) -> VerifiedWebhook:
    sid, client_number, lead_number = _required(params, "MessageSid", "To", "From")
    return VerifiedWebhook(source="twilio-sms", provider_id=sid, event_type="TwilioMessageReceived",
                           topic=TWILIO_MESSAGES, key=f"{client_number}|{lead_number}", raw=params.as_dict())


def call_status(params: MultiValues) -> VerifiedWebhook:
    sid, status, client_number, lead_number = _required(params, "CallSid", "CallStatus", "To", "From")
    return VerifiedWebhook(source="twilio-voice", provider_id=f"{sid}:{status}", event_type="TwilioCallStatusReceived",
                           topic=TWILIO_CALLS, key=f"{client_number}|{lead_number}", raw=params.as_dict())


def message_status(params: MultiValues) -> VerifiedWebhook:
    # An outbound message goes From the client's number To the lead.
    sid, status, client_number, lead_number = _required(params, "MessageSid", "MessageStatus", "From", "To")
    return VerifiedWebhook(source="twilio-status", provider_id=f"{sid}:{status}",
                           event_type="TwilioMessageStatusReceived", topic=TWILIO_MESSAGE_STATUS,
                           key=f"{client_number}|{lead_number}", raw=params.as_dict())
