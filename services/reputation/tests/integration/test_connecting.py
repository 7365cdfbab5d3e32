"""Connecting a client's Google Business Profile by OAuth, through the Google fake: the
consent comes back connected with its tokens sealed at rest; a forged or replayed callback
is refused with 400 and changes nothing; and no start-up without the token key."""
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

from reputation_testing import connect_google, new_client, rows, running_reputation

LOCATION = "accounts/111/locations/222"


async def test_a_consent_comes_back_connected_with_its_tokens_sealed_at_rest(infra, reputation_engine, google, clock):
    client = new_client()
    async with running_reputation(infra, reputation_engine, clock, google=google) as reputation:
        consent = await reputation.api.post(f"/clients/{client}/google/consent",
                                            json={"location": LOCATION, "requested_by": "person-1"})
        query = parse_qs(urlparse(consent.json()["url"]).query)
        assert query["scope"] == ["https://www.googleapis.com/auth/business.manage"]
        assert query["access_type"] == ["offline"] and len(query["state"][0]) >= 40

        back = await connect_google(reputation, client, LOCATION)
        assert back.status_code == 200 and back.json()["status"] == "connected", back.text
        listed = (await reputation.api.get(f"/clients/{client}/connections")).json()["data"]
    assert [(c["source"], c["external_id"], c["status"]) for c in listed] == [("google", LOCATION, "connected")]
    [stored] = await rows(reputation_engine, "SELECT access_token, refresh_token FROM connections")
    [refresh] = google.state.refresh_tokens
    [access] = google.state.access_tokens
    assert refresh.encode() not in bytes(stored["refresh_token"]) and access.encode() not in bytes(stored["access_token"])


async def test_a_forged_or_replayed_callback_is_refused_with_400_and_nothing_is_stored(
        infra, reputation_engine, google, clock):
    client = new_client()
    async with running_reputation(infra, reputation_engine, clock, google=google) as reputation:
        forged = await reputation.api.get("/oauth/google/callback",
                                          params={"state": "made-up-by-an-attacker", "code": google.state.grant()})
        assert forged.status_code == 400 and "state" in forged.text
        assert await rows(reputation_engine, "SELECT * FROM connections") == []
        assert google.state.requests.count("POST", "/token") == 0  # no code was exchanged

        first = await connect_google(reputation, client, LOCATION)
        state = parse_qs(urlparse(str(first.request.url)).query)["state"][0]
        replayed = await reputation.api.get("/oauth/google/callback", params={"state": state,
                                                                             "code": google.state.grant()})
        assert replayed.status_code == 400
    assert google.state.requests.count("POST", "/token") == 1  # the genuine consent's exchange alone


async def test_a_consent_the_owner_declined_is_refused_and_connects_nothing(infra, reputation_engine, google, clock):
    client = new_client()
    async with running_reputation(infra, reputation_engine, clock, google=google) as reputation:
        consent = await reputation.api.post(f"/clients/{client}/google/consent",
                                            json={"location": LOCATION, "requested_by": "person-1"})
        state = parse_qs(urlparse(consent.json()["url"]).query)["state"][0]
        declined = await reputation.api.get("/oauth/google/callback", params={"state": state, "error": "access_denied"})
    assert declined.status_code == 400 and "access_denied" in declined.text
    assert await rows(reputation_engine, "SELECT * FROM connections") == []


def test_reputation_will_not_start_without_its_token_key_and_names_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REPUTATION_", "GOOGLE_", "OPENAI_"))}
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", REPUTATION_DATABASE_URL="postgresql+asyncpg://u@127.0.0.1/r",
               REPUTATION_API_TOKEN="a-real-looking-token-1234", GOOGLE_CLIENT_ID="revgen.apps.googleusercontent.com",
               GOOGLE_CLIENT_SECRET="a-real-looking-secret-5678", GOOGLE_REDIRECT_URI="https://r.example/cb",
               OPENAI_API_KEY="sk-a-real-looking-key-9012")
    done = subprocess.run([sys.executable, "-m", "reputation.main"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 78
    assert "REPUTATION_TOKEN_KEY" in done.stderr
