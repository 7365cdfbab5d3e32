from pydantic import AnyHttpUrl, Field

from revgen_common import Required, Secret, ServiceSettings

# A card that fails is usually replaced within days; a week of answers costs less than a
# client's leads lost over an expired card (ADR 0012).
DEFAULT_GRACE_DAYS = 7.0


class MessagingSettings(ServiceSettings):
    messaging_database_url: Required
    messaging_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    twilio_account_sid: Required
    twilio_auth_token: Secret
    # Tests and benchmarks aim the official SDKs at fakes here.
    twilio_api_base: AnyHttpUrl = AnyHttpUrl("https://api.twilio.com")
    # Ingress's public status-callback endpoint (…/webhooks/twilio/status).
    status_callback_url: AnyHttpUrl
    # RevGen's own number, for messages that belong to no client (login codes).
    platform_number: Required
    openai_api_key: Secret
    openai_base_url: AnyHttpUrl = AnyHttpUrl("https://api.openai.com/v1")
    openai_model: str = "gpt-4o-mini"
    openai_concurrency: int = Field(default=8, ge=1)  # shared fairly between clients (E11)
    # From the webhook's receipt to an inbound SMS's answer: the assistant is tried within it,
    # each try on the shorter timeout; when it comes, the holding reply goes out instead.
    answer_deadline_seconds: float = Field(default=8.0, gt=0)
    openai_try_timeout_seconds: float = Field(default=3.0, gt=0)
    # Of the deadline, what the answer's own way out is given (its transaction, the relay, the
    # sender, Twilio): the tries end this much earlier, so a holding reply is sent by the deadline.
    answer_send_reserve_seconds: float = Field(default=0.5, ge=0)
    sends_per_number_per_second: float = Field(default=1.0, gt=0)  # carriers filter bursts
    sends_per_account_per_second: float = Field(default=30.0, gt=0)
    # Partitions each consumer works on at once: an inbound message waits on the assistant,
    # a send on Twilio, so throughput is about concurrency / provider latency.
    inbound_concurrency: int = Field(default=64, ge=1)
    send_concurrency: int = Field(default=64, ge=1)
    # The sender group runs in `revgen-messaging-sender` instead of here (ADR 0017): what
    # `./dev up` and docker-compose do. Off, this process runs both groups.
    sender_in_own_process: bool = False
    # E-mail (ADR 0018): the official SDK, aimed at a fake through RESEND_API_BASE.
    resend_api_key: Secret
    resend_api_base: AnyHttpUrl = AnyHttpUrl("https://api.resend.com")
    email_from: Required  # "RevGen <login@example.com>", on a domain verified at Resend
    # Resend's per-team limit (2/s unless raised): e-mails wait their turn rather than draw 429s.
    resend_requests_per_second: float = Field(default=2.0, gt=0)
    host: str = "127.0.0.1"
    port: int = Field(default=8084, ge=0, le=65535)
    scheduler_interval_seconds: float = Field(default=1.0, gt=0)
    # How long a client whose payment failed is still served (ADR 0012).
    past_due_grace_days: float = Field(default=DEFAULT_GRACE_DAYS, ge=0)
