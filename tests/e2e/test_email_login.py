"""Story (4) of #15: a person known only by an e-mail address logs in with a code that goes
out as an e-mail. Through the gateway's API to identity, identity's SendMessage to
messaging, messaging's e-mail queue to the Resend fake through the official SDK; the code is
read from what the fake received, and the session it buys is the person's."""
from __future__ import annotations

import re
import uuid

from gateway.settings import GatewaySettings
from identity.admin import create_agency
from revgen_common.testing.internal_api import TEST_API_TOKEN
from revgen_devstack import free_port
from revgen_testing.running import eventually
from tests.e2e.conftest import System, serving


def with_gateway(system: System) -> None:
    port = free_port()
    system.settings["gateway"] = GatewaySettings(
        kafka_bootstrap_servers=system.bootstrap_servers, gateway_public_url=f"http://127.0.0.1:{port}", port=port,
        csrf_secret="csrf-e2e-9d1f3b5a7c2e4a6c8e0b",
        **{f"{s}_url": f"http://127.0.0.1:{system.settings[s].port}"
           for s in ("identity", "billing", "messaging", "escalation")},
        **{f"{s}_api_token": TEST_API_TOKEN for s in ("identity", "billing", "messaging", "escalation", "voice",
                                                        "reputation")},
        voice_url="http://127.0.0.1:9", reputation_url="http://127.0.0.1:9")  # no call of this story reaches them


async def test_an_email_only_person_logs_in_with_a_code_emailed_through_resend(system: System):
    with_gateway(system)
    address = f"ada.{uuid.uuid4().hex[:8]}@example.com"
    await create_agency(system.database_urls["identity"], "Acme Agency", address, "Ada Owner")

    async with serving(system, "messaging"), serving(system, "identity"), serving(system, "gateway") as gateway:
        asked = await gateway.post("/api/v1/auth/otp", json={"identifier": address.upper()})
        assert asked.status_code == 202, asked.text
        [email] = await eventually(lambda: emailed(system, address), timeout=60, interval=0.2)
        code = re.search(r"login code is (\d{6})", email.text).group(1)
        verified = await gateway.post("/api/v1/auth/otp/verify", json={
            "identifier": address, "login_attempt_id": asked.json()["login_attempt_id"], "code": code})
        assert verified.status_code == 200, verified.text
        me = await gateway.get("/api/v1/me", headers={"Authorization": f"Bearer {verified.json()['token']}"})

    assert me.status_code == 200, me.text
    person = me.json()["person"]
    assert (person["email"], person["phone"], person["name"]) == (address, None, "Ada Owner")
    assert [a["role"] for a in me.json()["agencies"]] == ["agency_owner"]
    assert email.subject == "Your RevGen login code" and email.to == (address,)
    assert len(system.resend.emails) == 1 and system.twilio.messages == []  # once, and by e-mail only


async def emailed(system: System, address: str):
    return system.resend.sent_to(address)
