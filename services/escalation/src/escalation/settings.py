from pydantic import AnyHttpUrl, Field

from revgen_common import Required, Secret, ServiceSettings


class EscalationSettings(ServiceSettings):
    escalation_database_url: Required
    escalation_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    # Claim links in the SMS point here (the public address of this service's /claim).
    claim_base_url: AnyHttpUrl
    host: str = "127.0.0.1"
    port: int = Field(default=8082, ge=0, le=65535)
    unclaimed_after_seconds: int = Field(default=300, ge=10)
