"""A voicemail's audio from Twilio: `RecordingUrl` + `.mp3`, behind the account's HTTP Basic
auth (the media is not an SDK call: Twilio's docs fetch it over plain HTTPS). Only URLs on
TWILIO_API_BASE are fetched: the URL comes from a webhook, and our credentials must not go
anywhere else. 429, 5xx and lost connections are retried with backoff; other 4xx are final."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx


class FetchFailed(Exception):
    pass


class TwilioRecordings:
    def __init__(self, account_sid: str, auth_token: str, api_base: str, *, tries: int = 3,
                 first_backoff: float = 1.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.api_base = api_base.rstrip("/") + "/"
        self.http = httpx.AsyncClient(auth=httpx.BasicAuth(account_sid, auth_token), timeout=30)
        self.tries = tries
        self.first_backoff = first_backoff
        self.sleep = sleep

    async def audio(self, recording_url: str) -> tuple[str, bytes]:
        if not recording_url.startswith(self.api_base):
            raise FetchFailed(f"not a recording of our Twilio account: {recording_url}")
        failure = "no try"
        for attempt in range(self.tries):
            try:
                response = await self.http.get(f"{recording_url}.mp3")
            except httpx.TransportError as error:
                failure = f"unreachable ({type(error).__name__})"
            else:
                if response.status_code == 200 and response.content:
                    return response.headers.get("content-type", "audio/mpeg"), response.content
                failure = f"answered {response.status_code}"
                if response.status_code != 429 and response.status_code < 500:
                    raise FetchFailed(f"Twilio {failure} for {recording_url}")
            if attempt + 1 < self.tries:
                await self.sleep(self.first_backoff * 2 ** attempt)
        raise FetchFailed(f"Twilio still failing after {self.tries} tries: {failure}")

    async def aclose(self) -> None:
        await self.http.aclose()
