"""Stripe's v1 idempotency: the first response to a key is saved once the endpoint starts
executing, and replayed for the same parameters; other parameters, or a retry while the
first attempt still runs, are refused. Keys are scoped per API key."""
from __future__ import annotations

import json
from dataclasses import dataclass

from revgen_fakes.stripe.errors import StripeError


@dataclass
class SavedResponse:
    fingerprint: str
    status: int | None = None  # None while the first request is in flight
    body: bytes = b""  # as sent: a replay is byte-for-byte the original
    request_id: str = ""


def fingerprint(method: str, path: str, params: dict) -> str:
    return json.dumps([method, path, params], sort_keys=True)


class IdempotencyKeys:
    def __init__(self):
        self._saved: dict[tuple[str, str], SavedResponse] = {}

    def begin(self, api_key: str, key: str, request_fingerprint: str) -> SavedResponse | None:
        """The saved response to replay, or None when this request is the first and runs."""
        saved = self._saved.get((api_key, key))
        if saved is None:
            self._saved[(api_key, key)] = SavedResponse(request_fingerprint)
            return None
        if saved.status is None:
            raise StripeError(409, "There is currently another in-progress request using this Idempotent Key "
                                   f"(that probably means you submitted twice, and the other request is still "
                                   f"going through): {key}. Please try again later.", type="idempotency_error")
        if saved.fingerprint != request_fingerprint:
            raise StripeError(400, "Keys for idempotent requests can only be used with the same parameters they "
                                   f"were first used with. Try using a key other than '{key}' if you meant to "
                                   "execute a different request.", type="idempotency_error")
        return saved

    def finish(self, api_key: str, key: str, status: int, body: bytes, request_id: str) -> None:
        saved = self._saved.get((api_key, key))
        if saved is not None:  # None when expired mid-request
            saved.status, saved.body, saved.request_id = status, body, request_id

    def forget(self, api_key: str, key: str) -> None:
        """For requests refused before the endpoint ran (validation): nothing is saved."""
        self._saved.pop((api_key, key), None)

    def expire_all(self) -> None:
        self._saved.clear()

    def __len__(self) -> int:
        return len(self._saved)
