from pydantic import Field

from revgen_common import Required, Secret, ServiceSettings


class IdentitySettings(ServiceSettings):
    identity_database_url: Required
    otp_pepper: Secret  # keys the stored hashes of login codes
    identity_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=0, le=65535)
    session_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # Peers whose X-Forwarded-For is believed (the load balancer); everyone else's is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
