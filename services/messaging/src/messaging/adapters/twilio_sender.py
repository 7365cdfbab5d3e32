"""The only place messaging talks to Twilio: the official SDK's async API, paced by a
Pacer, and every failure turned into our kinds — transient (try again later), an
ambiguous send (look before sending again) or a refusal (retrying cannot help)."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import aiohttp
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from messaging.domain.pacing import Pacer
from revgen_common.errors import NotYet, PermanentError, TransientError

T = TypeVar("T")

DEFAULT_RETRY_AFTER = 1.0  # a 429 without a usable Retry-After
# Twilio down (5xx, unreachable): the whole account waits this long, then one probe goes. A
# probe that works lets everyone send within a second, instead of each partition waiting
# out an exponential backoff that has grown through the outage.
OUTAGE_HOLD_SECONDS = 5.0
CLOCK_SKEW = timedelta(minutes=1)  # between our clock and Twilio's date_created
UNSUBSCRIBED = 21610
PAGE_SIZE = 100


@dataclass(frozen=True)
class Accepted:
    sid: str
    status: str


class SendRejected(PermanentError):
    """Twilio refused this message for good (invalid To, blocked region, ...)."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class RecipientUnsubscribed(SendRejected):
    """The recipient texted STOP to this sender (21610)."""


class SendOutcomeUnknown(TransientError):
    """The request may have reached Twilio and created the message (a timeout, a dropped
    response): reconcile with find_sent before sending it again."""


# TwilioRestException drops the response headers, and a 429's Retry-After is one of them.
# A ContextVar, not an attribute of the shared client: each send runs in its own task, so
# concurrent sends never read each other's headers.
_response_headers: ContextVar[Mapping[str, str] | None] = ContextVar("twilio_response_headers", default=None)


# Idle connections are closed before a server's own idle timeout (uvicorn's is 5 s): a POST
# on a connection the server has just closed fails like a lost answer, and costs a send
# its settle wait before it may go again.
KEEPALIVE_SECONDS = 4.0


class _HeaderKeepingHttpClient(AsyncTwilioHttpClient):
    def __init__(self):
        super().__init__(pool_connections=False)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS))

    async def request(self, *args, **kwargs) -> Response:
        _response_headers.set(None)
        response = await super().request(*args, **kwargs)
        _response_headers.set(response.headers)
        return response


def _retry_after() -> float | None:
    raw = (_response_headers.get() or {}).get("Retry-After")
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:  # an HTTP-date: Twilio sends seconds, so fall back to the default
        return None


@contextlib.contextmanager
def _repeatable(what: str) -> Iterator[None]:
    """Our kinds for a failed call that is safe to repeat (a read, a delete of what was
    found): throttled, our credentials, Twilio down or no answer is transient; any other
    refusal is for good."""
    try:
        yield
    except TwilioRestException as error:
        if error.status == 429 or error.status == 401 or error.status >= 500:
            raise TransientError(f"twilio could not {what}: {error.msg}", retry_after=_retry_after()) from error
        raise PermanentError(f"twilio refused to {what} ({error.code}): {error.msg}") from error
    except (TimeoutError, aiohttp.ClientError) as error:
        raise TransientError(f"twilio could not {what}: {error!r}") from error


def _nothing_was_sent(error: aiohttp.ClientError) -> bool:
    """The connection failed before the request went out, so resending cannot double it."""
    return isinstance(error, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))


class TwilioSender:
    def __init__(self, account_sid: str, auth_token: str, api_base: str, status_callback_url: str | None,
                 pacer: Pacer, timeout: float = 10.0):
        self._client = Client(account_sid, auth_token, http_client=_HeaderKeepingHttpClient())
        self._client.api.base_url = api_base.rstrip("/")  # the SDK has no base-URL option
        self._status_callback = status_callback_url or values.unset
        self._pacer = pacer
        self._timeout = timeout
        # After this, a request we sent has either reached Twilio or never will (our timeout
        # plus time for Twilio to list what it accepted): the ambiguity window of a send.
        self.settle_after = timedelta(seconds=timeout + 5)

    def check_pace(self, from_: str, ticket: str | None = None) -> None:
        """NotYet if `from_` may not send now, before any other work is done for the send;
        a `ticket` (the send's id) that must wait has its turn booked."""
        wait = self._pacer.wait(from_, ticket)
        if wait > 0:
            raise NotYet(f"paced: {from_} may send in {wait:.3f}s", retry_after=wait)

    async def send(self, *, to: str, from_: str, body: str, ticket: str | None = None) -> Accepted:
        wait = self._pacer.reserve(from_, ticket)
        if wait > 0:
            raise NotYet(f"paced: {from_} may send in {wait:.3f}s", retry_after=wait)
        try:
            message = await self._within_timeout(self._client.messages.create_async(
                to=to, from_=from_, body=body, status_callback=self._status_callback))
        except TwilioRestException as error:
            raise self._refusal(error) from error
        except aiohttp.ClientError as error:  # before TimeoutError: aiohttp's timeouts are both
            if _nothing_was_sent(error):
                self._pacer.throttled(OUTAGE_HOLD_SECONDS)
                raise TransientError(f"twilio unreachable: {error!r}") from error
            raise SendOutcomeUnknown(f"twilio's answer was lost: {error!r}") from error
        except TimeoutError as error:
            raise SendOutcomeUnknown(f"twilio did not answer within {self._timeout}s") from error
        self._pacer.succeeded()
        return Accepted(message.sid, message.status)

    async def find_sent(self, *, to: str, from_: str, body: str, since: datetime) -> Accepted | None:
        """The newest message To/From with exactly `body` created since `since`, if any.

        Filters on date_created, not Twilio's DateSent: a message still queued has no
        DateSent, and missing it here would mean texting the lead twice."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        cutoff = since - CLOCK_SKEW
        with _repeatable("list messages"):
            page = await self._within_timeout(
                self._client.messages.page_async(to=to, from_=from_, page_size=PAGE_SIZE))
            while page is not None:
                records = list(page)
                for message in records:  # newest first
                    if message.body == body and message.date_created >= cutoff:
                        return Accepted(message.sid, message.status)
                if not records or records[-1].date_created < cutoff:
                    return None  # every later page is older still
                page = await self._within_timeout(page.next_page_async())
        return None

    async def release_number(self, number: str) -> int:
        """Releases `number` from our Twilio account, so it stops costing money; how many
        were released. Safe to repeat: a number already gone is left alone."""
        released = 0
        with _repeatable(f"release {number}"):
            owned = await self._within_timeout(self._client.incoming_phone_numbers.list_async(phone_number=number))
            for incoming in owned:
                try:
                    await self._within_timeout(self._client.incoming_phone_numbers(incoming.sid).delete_async())
                    released += 1
                except TwilioRestException as error:
                    if error.status != 404:  # released meanwhile: done
                        raise
        return released

    async def close(self) -> None:
        await self._client.http_client.close()

    async def _within_timeout(self, call: Awaitable[T]) -> T:
        # The SDK's own timeout may be ignored. asyncio.timeout rather than wait_for: on 3.11
        # wait_for runs the call in a new task, whose context copy would hide the headers.
        async with asyncio.timeout(self._timeout):
            return await call

    def _refusal(self, error: TwilioRestException) -> Exception:
        if error.status == 429:
            retry_after = _retry_after()
            retry_after = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
            self._pacer.throttled(retry_after)
            return TransientError(f"twilio is throttling us ({error.code})", retry_after=retry_after)
        if error.status >= 500:
            retry_after = _retry_after()
            self._pacer.throttled(OUTAGE_HOLD_SECONDS if retry_after is None else retry_after)
            return TransientError(f"twilio failed ({error.status} {error.code}): {error.msg}",
                                  retry_after=retry_after)
        # Twilio answered without a 429 or a 5xx: whatever the answer, it is up and not limiting us.
        self._pacer.succeeded()
        if error.status == 401:  # our credentials, not this message: an operator fixes it, lose nothing
            return TransientError(f"twilio refused our credentials ({error.code})")
        code = error.code or error.status  # a 4xx without Twilio's JSON body has no code of its own
        if code == UNSUBSCRIBED:
            return RecipientUnsubscribed(f"recipient unsubscribed ({code}): {error.msg}", code)
        return SendRejected(f"twilio rejected the message ({code}): {error.msg}", code)
