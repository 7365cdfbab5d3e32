"""Helpers for identity tests (on the test path)."""
from __future__ import annotations

import contextlib
import json

from sqlalchemy import text

from identity.bootstrap import create_app
from identity.settings import IdentitySettings
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_common.topics import IDENTITY_GROUP
from revgen_devstack.testing import serve_app
from revgen_testing.kafka_io import start_group_at_end
from revgen_testing.running import eventually

PEPPER = "pepper-9c1e7a3f5b2d8c4e6a0f1b3d"


def settings_for(database_url: str, bootstrap: str, port: int, **overrides) -> IdentitySettings:
    return IdentitySettings(kafka_bootstrap_servers=bootstrap, identity_database_url=database_url,
                            otp_pepper=PEPPER, identity_api_token=TEST_API_TOKEN, port=port, **overrides)


@contextlib.asynccontextmanager
async def serve(settings: IdentitySettings, clock):
    """The service on its port; its consumer starts where the shared topics end now (what
    earlier tests published is not its to audit)."""
    await start_group_at_end(settings.kafka_bootstrap_servers, IDENTITY_GROUP.name,
                             [t.name for t in IDENTITY_GROUP.topics])
    async with serve_app(create_app(settings, clock), settings.port, headers=TEST_API_HEADERS) as client:
        yield client


async def sent_codes(engine, identifier: str | None = None) -> list[str]:
    """Login codes handed to messaging (SendMessage commands in the outbox), oldest first."""
    async with engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = 'messaging.commands' ORDER BY id"))
        payloads = [json.loads(r.value)["payload"] for r in rows]
    return [p["body"].split(" is ")[1][:6] for p in payloads if identifier is None or p["to"] == identifier]


async def next_code(engine, identifier: str, known: int = 0) -> str:
    """The login code sent after `known` earlier ones: over HTTP the code is written after
    the answer, so it is waited for."""
    async def sent():
        codes = await sent_codes(engine, identifier)
        return codes if len(codes) > known else None
    return (await eventually(sent, timeout=10, interval=0.02))[-1]


async def log_in(api, engine, identifier: str) -> dict:
    """Headers of a fresh session for `identifier`, logged in through the API."""
    attempt = (await api.post("/auth/otp", json={"identifier": identifier})).json()["login_attempt_id"]
    code = await next_code(engine, identifier)
    token = (await api.post("/auth/otp/verify", json={
        "identifier": identifier, "login_attempt_id": attempt, "code": code})).json()["token"]
    return {"Authorization": f"Bearer {token}"}
