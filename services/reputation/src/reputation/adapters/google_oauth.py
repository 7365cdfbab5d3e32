"""Google's OAuth token endpoint: the consent's code exchanged for tokens, and the access
token refreshed through the official `google-auth` library (its refresh_grant, the one
google.oauth2.credentials.Credentials.refresh uses). google-auth itself retries 5xx, 408
and 429 three times with exponential backoff (from 1 s); what still fails is ours to retry
later (TransientError: the consumer's backoff), except `invalid_grant`, which no retry fixes."""
from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import requests
from google.auth import exceptions as google_errors
from google.auth.transport.requests import Request
from google.oauth2 import reauth

from reputation.adapters.source_errors import GrantRevoked
from revgen_common.clock import Clock
from revgen_common.errors import PermanentError, TransientError

DEFAULT_LIFETIME = 3600  # seconds, when the token endpoint does not say


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None  # Google returns one at consent; a refresh may rotate it
    expires_at: datetime


class ConsentRefused(PermanentError):
    """The code did not buy tokens (reused, expired, or the consent gave no refresh token)."""


class GoogleOAuth:
    def __init__(self, client_id: str, client_secret: str, token_uri: str, redirect_uri: str, clock: Clock,
                 timeout: float = 10.0):
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_uri = token_uri
        self._redirect_uri = redirect_uri
        self._clock = clock
        self._timeout = timeout
        self._session = requests.Session()
        self._http = httpx.AsyncClient(timeout=timeout)

    async def exchange(self, code: str) -> Tokens:
        """The consent's one-time code for an access and a refresh token (google-auth has no
        code exchange of its own: that is google-auth-oauthlib's, a browser-flow library)."""
        try:
            answer = await self._http.post(self._token_uri, data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": self._redirect_uri,
                "client_id": self._client_id, "client_secret": self._client_secret})
        except httpx.TransportError as error:
            raise TransientError(f"google's token endpoint unreachable: {error}") from error
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TransientError(f"google's token endpoint answered {answer.status_code}")
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.status_code != 200 or not body.get("refresh_token"):
            raise ConsentRefused(f"google refused the consent's code: {body.get('error') or answer.status_code}")
        return self._tokens(body, body["refresh_token"])

    async def refresh(self, refresh_token: str) -> Tokens:
        request = functools.partial(Request(self._session), timeout=self._timeout)
        try:
            access, rotated, _expiry, grant, _rapt = await asyncio.to_thread(
                reauth.refresh_grant, request, self._token_uri, refresh_token, self._client_id, self._client_secret)
        except google_errors.RefreshError as error:
            details = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], dict) else {}
            if details.get("error") == "invalid_grant":
                raise GrantRevoked(details.get("error_description") or "invalid_grant") from error
            # invalid_client, unauthorized_client: our own credentials; an operator fixes them, the polls wait.
            raise TransientError(f"google refused the refresh: {error}") from error
        except google_errors.TransportError as error:
            raise TransientError(f"google's token endpoint unreachable: {error}") from error
        return self._tokens({"access_token": access, **grant}, rotated or refresh_token)

    def _tokens(self, body: dict, refresh_token: str) -> Tokens:
        lifetime = body.get("expires_in")
        seconds = lifetime if isinstance(lifetime, int) and lifetime > 0 else DEFAULT_LIFETIME
        return Tokens(body["access_token"], refresh_token, self._clock() + timedelta(seconds=seconds))

    async def aclose(self) -> None:
        await self._http.aclose()
        self._session.close()
