"""Helpers for reputation tests (on the test path): the running service against the fakes,
a client's Google connected through the whole consent, and what reputation published."""
from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from reputation.bootstrap import create_app
from reputation.settings import ReputationSettings
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.faults import FaultInjector

TOKEN_KEY = "reputation-test-token-key-0123456789abcdef"
GOOGLE_CLIENT_ID = "revgen-test.apps.googleusercontent.com"
GOOGLE_CLIENT_SECRET = "google-test-secret-4567"
OPENAI_KEY = "sk-reputation-test"
CREATED = "2026-11-20T10:00:00Z"


@dataclass
class Fake:
    state: Any
    faults: FaultInjector
    url: str


@dataclass
class RunningReputation:
    api: httpx.AsyncClient  # with the internal credential
    app: FastAPI

    @property
    def polling(self):
        return self.app.state.polling


def settings_for(bootstrap_servers: str, database_url: str, port: int, urls: dict[str, str],
                 **overrides) -> ReputationSettings:
    values = dict(kafka_bootstrap_servers=bootstrap_servers, reputation_database_url=database_url, port=port,
                  reputation_api_token=TEST_API_TOKEN, reputation_token_key=TOKEN_KEY,
                  google_client_id=GOOGLE_CLIENT_ID, google_client_secret=GOOGLE_CLIENT_SECRET,
                  google_redirect_uri=f"http://127.0.0.1:{port}/oauth/google/callback", openai_api_key=OPENAI_KEY,
                  poll_tick_seconds=3600)  # tests make their rounds themselves, on their clock
    if "google" in urls:
        values.update(google_auth_uri=f"{urls['google']}/o/oauth2/v2/auth", google_token_uri=f"{urls['google']}/token",
                      google_reviews_base_url=f"{urls['google']}/v4")
    if "facebook" in urls:
        values["facebook_graph_base_url"] = f"{urls['facebook']}/v19.0"
    if "openai" in urls:
        values["openai_base_url"] = urls["openai"]
    return ReputationSettings(**{**values, **overrides})


@contextlib.asynccontextmanager
async def running_reputation(infra, engine, clock, *, google=None, facebook=None, openai=None, **overrides):
    port = free_port()
    urls = {name: fake.url for name, fake in (("google", google), ("facebook", facebook), ("openai", openai)) if fake}
    app = create_app(settings_for(infra.bootstrap_servers, engine.url.render_as_string(hide_password=False), port,
                                  urls, **overrides), clock)
    async with serve_app(app, port, headers=TEST_API_HEADERS) as api:
        yield RunningReputation(api, app)


def new_client() -> str:
    return str(uuid.uuid4())


async def connect_google(reputation: RunningReputation, client_id: str, location: str) -> httpx.Response:
    """The whole consent: our consent URL, Google's consent page (the fake says yes), and
    the browser sent back to our callback."""
    consent = await reputation.api.post(f"/clients/{client_id}/google/consent",
                                        json={"location": location, "requested_by": "person-1"})
    assert consent.status_code == 200, consent.text
    async with httpx.AsyncClient() as browser:
        at_google = await browser.get(consent.json()["url"])
        assert at_google.status_code == 302, at_google.text
        return await browser.get(at_google.headers["location"])


async def connect_facebook(reputation: RunningReputation, facebook: Fake, client_id: str, page_id: str) -> None:
    token = f"EAAB{uuid.uuid4().hex}"
    facebook.state.page_tokens[page_id] = token
    answer = await reputation.api.put(f"/clients/{client_id}/facebook",
                                      json={"page_id": page_id, "page_access_token": token})
    assert answer.status_code == 200, answer.text


async def rows(engine, sql: str, **params) -> list[dict]:
    async with engine.connect() as db:
        return [r._asdict() for r in await db.execute(text(sql), params)]


async def published(engine, type_: str) -> list[dict]:
    """Payloads of `type_` in reputation's outbox, oldest first."""
    found = await rows(engine, "SELECT value FROM outbox WHERE topic = 'reputation.events' ORDER BY id")
    return [json.loads(r["value"])["payload"] for r in found if json.loads(r["value"])["type"] == type_]
