from pydantic import AnyHttpUrl, Field

from revgen_common import Required, Secret, ServiceSettings


class BillingSettings(ServiceSettings):
    billing_database_url: Required
    billing_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    stripe_api_key: Secret
    # Tests and benchmarks aim the official SDK at a fake here.
    stripe_api_base: AnyHttpUrl = AnyHttpUrl("https://api.stripe.com")
    stripe_timeout_seconds: float = Field(default=10.0, gt=0)
    host: str = "127.0.0.1"
    port: int = Field(default=8083, ge=0, le=65535)
    # A saga step holds its command this long; a crashed process's commands are resumed after it.
    saga_lease_seconds: float = Field(default=60.0, gt=0)
    recovery_interval_seconds: float = Field(default=15.0, gt=0)
    reconcile_interval_seconds: float = Field(default=3600.0, gt=0)
    # Reconciliation leaves Stripe events younger than this alone: they may still be on their way.
    reconcile_event_grace_seconds: float = Field(default=600.0, ge=0)
