"""Voice's doors: its API answers only the internal credential; Twilio's webhooks and the
greeting audio are open to the internet and guarded by Twilio's signature (or an
unguessable id) instead."""
import httpx

from revgen_common.internal_api import HEADER
from voice.bootstrap import create_app
from voice.settings import VoiceSettings

TOKEN = "a-real-looking-internal-token-42"


def app():
    """The real app, never started: the doors stand before any database is needed."""
    return create_app(VoiceSettings(kafka_bootstrap_servers="127.0.0.1:9", voice_database_url="postgresql+asyncpg://u@x/v",
                                    voice_api_token=TOKEN, twilio_auth_token="tok-0123456789",
                                    elevenlabs_api_key="el-0123456789", openai_api_key="sk-0123456789",
                                    twilio_account_sid="AC0123456789",
                                    public_base_url="https://voice.example"))


async def test_the_settings_api_needs_the_internal_credential():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://svc") as client:
        refused = await client.put("/clients/c1/voice-settings", json={"greeting": "Hi"})
        assert refused.status_code == 401 and "X-Internal-Token" in refused.json()["error"]
        assert (await client.put("/clients/c1/voice-settings", json={"greeting": "Hi"},
                                 headers={HEADER: "wrong"})).status_code == 401


async def test_twilios_webhooks_pass_the_internal_door_and_meet_the_signature_check_instead():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://svc") as client:
        response = await client.post("/twilio/voice/incoming", data={"CallSid": "CA1", "To": "+1", "From": "+2"})
        assert response.status_code == 403 and "signature" in response.text
