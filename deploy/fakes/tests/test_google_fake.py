"""The Google fake driven through the official google-auth library (a refresh against its
token URI) and over HTTP as Business Profile's API: tokens for a good refresh token,
invalid_grant once revoked, google-auth's own retry through a 503, and quota refusals as 429
RESOURCE_EXHAUSTED with Retry-After."""
import asyncio
import contextlib

import httpx
import pytest
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.google import GoogleState, faulty_app


@contextlib.asynccontextmanager
async def google_fake():
    state = GoogleState()
    injector = faulty_app(state)
    port = free_port()
    async with serve_app(injector, port):
        yield state, injector, f"http://127.0.0.1:{port}"


def credentials(state: GoogleState, url: str, refresh_token: str) -> Credentials:
    return Credentials(None, refresh_token=refresh_token, token_uri=f"{url}/token", client_id=state.client_id,
                       client_secret=state.client_secret)


async def refresh(creds: Credentials) -> None:
    """google-auth is synchronous: off the loop that serves the fake."""
    await asyncio.to_thread(creds.refresh, Request())


async def _consent(state: GoogleState, url: str) -> dict:
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{url}/token", data={"grant_type": "authorization_code", "code": state.grant(),
                                                        "client_id": state.client_id,
                                                        "client_secret": state.client_secret})
    return answer.json()


async def test_google_auth_refreshes_against_the_fake_then_gets_invalid_grant_once_revoked():
    async with google_fake() as (state, _, url):
        tokens = await _consent(state, url)
        creds = credentials(state, url, tokens["refresh_token"])
        await refresh(creds)
        assert creds.token in state.access_tokens and creds.token != tokens["access_token"]
        state.revoke(tokens["refresh_token"])
        with pytest.raises(RefreshError) as refused:
            await refresh(credentials(state, url, tokens["refresh_token"]))
    assert refused.value.args[1]["error"] == "invalid_grant"
    assert state.requests.count("POST", "/token") == 3  # no retry of invalid_grant


async def test_google_auth_retries_a_503_from_the_token_endpoint_itself():
    async with google_fake() as (state, faults, url):
        tokens = await _consent(state, url)
        faults.script("503", path_prefix="/token")
        creds = credentials(state, url, tokens["refresh_token"])
        await refresh(creds)
    assert creds.token in state.access_tokens
    assert state.requests.count("POST", "/token") == 3  # the consent, the 503, the retry


async def test_reviews_over_the_quota_are_refused_with_429_and_retry_after():
    async with google_fake() as (state, _, url):
        access = (await _consent(state, url))["access_token"]
        state.add_review("accounts/1/locations/2", "r1", 5, "Great", "Ann", "2026-11-20T10:00:00Z")
        state.per_location.per_second = 1
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {access}"}) as http:
            first = await http.get(f"{url}/v4/accounts/1/locations/2/reviews")
            second = await http.get(f"{url}/v4/accounts/1/locations/2/reviews")
            stranger = await http.get(f"{url}/v4/accounts/1/locations/2/reviews", headers={"Authorization": "Bearer x"})
    assert first.status_code == 200 and first.json()["reviews"][0]["starRating"] == "FIVE"
    assert second.status_code == 429 and second.headers["retry-after"] == "1"
    assert second.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert stranger.status_code == 401
