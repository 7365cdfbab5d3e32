from pydantic import AnyHttpUrl, Field

from revgen_common import Required, Secret, ServiceSettings


class VoiceSettings(ServiceSettings):
    voice_database_url: Required
    voice_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    twilio_auth_token: Secret  # verifies X-Twilio-Signature on every voice webhook
    elevenlabs_api_key: Secret
    # Where Twilio reaches this service: signatures cover it, TwiML's action URLs and the
    # greeting audio Twilio <Play>s are built on it.
    public_base_url: AnyHttpUrl
    elevenlabs_base_url: str | None = None  # None: ElevenLabs itself; a fake's address in tests and ./dev up
    elevenlabs_model: str = "eleven_multilingual_v2"
    host: str = "127.0.0.1"
    port: int = Field(default=8086, ge=0, le=65535)
