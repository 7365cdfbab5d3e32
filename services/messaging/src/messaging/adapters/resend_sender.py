"""The only place messaging talks to Resend: the official SDK's async API, paced by a Pacer
like Twilio, and every failure turned into our kinds — transient (try again later) or a
refusal (retrying cannot help).

The SDK keeps its settings in module attributes (`resend.api_key`, `resend.api_url`,
`resend.default_async_http_client`), not in a client object: they are set here and nowhere
else, so a fake's base URL (RESEND_API_BASE) is one setting. Every send carries an
Idempotency-Key (the send's id), so a send whose answer was lost is simply sent again:
Resend answers the first e-mail's id and sends nothing more."""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx
import resend
from resend.exceptions import ResendError
from resend.http_client_async import AsyncHTTPClient

from messaging.domain.pacing import Pacer
from revgen_common.errors import NotYet, PermanentError, TransientError

ACCOUNT = "resend"  # the Pacer's one "number": Resend limits the whole team, not a sender
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a usable Retry-After
# Resend down (5xx, unreachable): every e-mail waits this long, then one probe goes.
OUTAGE_HOLD_SECONDS = 5.0
# Our own credentials refused: nothing an e-mail did, and retrying later keeps it; an
# operator sees the lag (and the logs) and fixes the key.
OUR_CREDENTIALS = frozenset({"missing_api_key", "invalid_api_key", "restricted_api_key"})


class EmailRejected(PermanentError):
    """Resend refused this e-mail for good (an invalid address, a domain not verified, ...)."""

    def __init__(self, message: str, name: str):
        super().__init__(message)
        self.name = name


class _PooledClient(AsyncHTTPClient):
    """The SDK's httpx client opens a connection per request; this one keeps a pool."""

    def __init__(self, timeout: float):
        self.client = httpx.AsyncClient(timeout=timeout)

    async def request(self, method: str, url: str, headers: Mapping[str, str], json: Any = None,
                      files: Any = None, data: Any = None) -> tuple[bytes, int, Mapping[str, str]]:
        response = await self.client.request(method, url, headers=headers, json=json, files=files, data=data)
        return response.content, response.status_code, response.headers


def _retry_after(headers: Mapping[str, str]) -> float:
    raw = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    try:
        return max(float(raw), 0.0) if raw is not None else DEFAULT_RETRY_AFTER
    except ValueError:  # an HTTP-date: Resend sends seconds
        return DEFAULT_RETRY_AFTER


class ResendSender:
    def __init__(self, api_key: str, api_base: str, from_address: str, pacer: Pacer, timeout: float = 10.0):
        self._http = _PooledClient(timeout)
        resend.api_key = api_key
        resend.api_url = api_base.rstrip("/")
        resend.default_async_http_client = self._http
        self._from = from_address
        self._pacer = pacer
        self._timeout = timeout

    def check_pace(self, ticket: str | None = None) -> None:
        """NotYet if no e-mail may go now, before any other work is done for this one."""
        wait = self._pacer.wait(ACCOUNT, ticket)
        if wait > 0:
            raise NotYet(f"paced: resend takes the next e-mail in {wait:.3f}s", retry_after=wait)

    async def send(self, *, to: str, subject: str, body: str, idempotency_key: str) -> str:
        """Resend's id for the e-mail; the same one for every try with the same key."""
        wait = self._pacer.reserve(ACCOUNT, idempotency_key)
        if wait > 0:
            raise NotYet(f"paced: resend takes the next e-mail in {wait:.3f}s", retry_after=wait)
        params: resend.Emails.SendParams = {"from": self._from, "to": [to], "subject": subject, "text": body}
        try:
            async with asyncio.timeout(self._timeout):
                sent = await resend.Emails.send_async(params, {"idempotency_key": idempotency_key})
        except ResendError as error:
            raise self._refusal(error) from error
        except TimeoutError as error:  # safe to repeat: the key makes a second try the same e-mail
            raise TransientError(f"resend did not answer within {self._timeout}s") from error
        self._pacer.succeeded()
        return sent["id"]

    async def close(self) -> None:
        await self._http.client.aclose()

    def _refusal(self, error: ResendError) -> Exception:
        status = int(error.code) if str(error.code).isdigit() else 500
        what = f"resend ({status} {error.error_type}): {error.message}"
        if status == 429:
            wait = _retry_after(error.headers)
            self._pacer.throttled(wait)
            return TransientError(f"{what}; throttled", retry_after=wait)
        if status >= 500 or error.error_type == "HttpClientError":  # down, or no answer at all
            self._pacer.throttled(OUTAGE_HOLD_SECONDS)
            return TransientError(what, retry_after=OUTAGE_HOLD_SECONDS)
        if error.error_type in OUR_CREDENTIALS or error.error_type == "concurrent_idempotent_requests":
            return TransientError(what)
        return EmailRejected(what, error.error_type)
