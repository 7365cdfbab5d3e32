from pydantic import AnyHttpUrl, Field

from revgen_common import Required, Secret, ServiceSettings


class IngressSettings(ServiceSettings):
    ingress_database_url: Required
    stripe_webhook_secret: Secret
    twilio_auth_token: Secret
    form_webhook_secret: Secret
    resend_webhook_secret: Secret  # Resend's endpoint signing secret, "whsec_" + base64 (svix)
    # The URL Twilio calls, as Twilio sees it (https behind a TLS-terminating proxy):
    # its signature covers it, so it cannot be read from the request.
    public_base_url: AnyHttpUrl
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # Per worker: about what one worker finishes well within its deadline (claims in flight
    # together share a round trip, so 64 beat 32 on goodput at the same p99 on the 2-core
    # box); beyond it, a fast 503 beats queueing into timeouts.
    max_in_flight: int = Field(default=64, ge=1)
    response_deadline_seconds: float = Field(default=2.5, gt=0, le=3.0)
    # After this long, a publish whose acknowledgement never came is settled by looking
    # for it on Kafka: well past the producer's own request timeout, so it cannot still land.
    kafka_request_timeout_ms: int = Field(default=10_000, ge=1000)
    publish_settle_seconds: float = Field(default=30.0, gt=0)
    database_pool_size: int = Field(default=20, ge=1)  # per worker process
    # Worker processes serving one port, each with its own producer and pool: one Python
    # process saturates one core (bench/REPORT-ingress-webhooks.md).
    ingress_workers: int = Field(default=2, ge=1)
