"""Twilio: `X-Twilio-Signature`, checked with the official RequestValidator over the exact
public URL Twilio called (PUBLIC_BASE_URL + path + query) and the POSTed parameters."""
from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

from ingress.domain.webhooks import Forged, Malformed, VerifiedWebhook
from revgen_common.contracts.webhooks import TwilioCallStatusReceived, TwilioMessageReceived, TwilioMessageStatusReceived


class MultiValues(Mapping):
    """Form parameters with repeats kept, in the shape RequestValidator reads (getlist)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self._pairs = pairs
        self._first: dict[str, str] = {}
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
    sid = _required(params, "MessageSid", "To", "From")[0]
    return VerifiedWebhook(source="twilio-sms", provider_id=sid, contract=TwilioMessageReceived, raw=params.as_dict())


def call_status(params: MultiValues) -> VerifiedWebhook:
    sid, status = _required(params, "CallSid", "CallStatus", "To", "From")[:2]
    return VerifiedWebhook(source="twilio-voice", provider_id=f"{sid}:{status}", contract=TwilioCallStatusReceived,
                           raw=params.as_dict())


def message_status(params: MultiValues) -> VerifiedWebhook:
    sid, status = _required(params, "MessageSid", "MessageStatus", "From", "To")[:2]  # the key needs From and To
    return VerifiedWebhook(source="twilio-status", provider_id=f"{sid}:{status}", contract=TwilioMessageStatusReceived,
                           raw=params.as_dict())
