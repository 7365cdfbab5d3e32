from pydantic import AnyHttpUrl, Field

from revgen_common import Required, Secret, ServiceSettings


class VoiceSettings(ServiceSettings):
    voice_database_url: Required
    voice_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    twilio_auth_token: Secret  # verifies X-Twilio-Signature on every voice webhook; fetches voicemail audio
    twilio_account_sid: Required  # with the auth token: the voicemail audio's Basic auth
    twilio_api_base: AnyHttpUrl = AnyHttpUrl("https://api.twilio.com")  # voicemail audio is fetched only from here
    elevenlabs_api_key: Secret
    # Where Twilio reaches this service: signatures cover it, TwiML's action URLs and the
    # greeting audio Twilio <Play>s are built on it.
    public_base_url: AnyHttpUrl
    elevenlabs_base_url: str | None = None  # None: ElevenLabs itself; a fake's address in tests and ./dev up
    elevenlabs_model: str = "eleven_multilingual_v2"
    openai_api_key: Secret  # the AI voice's assistant (mode "ai", ADR 0021)
    openai_base_url: AnyHttpUrl = AnyHttpUrl("https://api.openai.com/v1")
    openai_model: str = "gpt-4o-mini"
    # How long a caller listens to silence while the assistant answers: Twilio waits up to
    # 15 s for TwiML, a caller hangs up far sooner. Past it they hear the holding line.
    ai_answer_seconds: float = Field(default=4.0, gt=0, le=10)
    host: str = "127.0.0.1"
    port: int = Field(default=8086, ge=0, le=65535)
