from pydantic import AnyHttpUrl, Field

from revgen_common import Secret, ServiceSettings


class GatewaySettings(ServiceSettings):
    # The origin browsers see (scheme, host, port): CSRF checks compare Origin with it, and
    # the session cookie is `Secure` when it is https.
    gateway_public_url: AnyHttpUrl
    # The services behind the gateway, and the credential each of them expects (internal_api).
    identity_url: AnyHttpUrl
    billing_url: AnyHttpUrl
    messaging_url: AnyHttpUrl
    escalation_url: AnyHttpUrl
    voice_url: AnyHttpUrl
    identity_api_token: Secret
    billing_api_token: Secret
    messaging_api_token: Secret
    escalation_api_token: Secret
    voice_api_token: Secret
    csrf_secret: Secret  # keys the per-session CSRF tokens
    host: str = "127.0.0.1"
    port: int = Field(default=8085, ge=0, le=65535)
    # Peers whose X-Forwarded-For is believed (the load balancer); everyone else's is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Identity's answers are kept this long at most, and only while identity.events is followed.
    decision_cache_seconds: float = Field(default=30.0, ge=0, le=300)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    service_timeout_seconds: float = Field(default=10.0, gt=0)
    login_per_address_per_minute: int = Field(default=20, ge=1)
    login_per_identifier_per_minute: int = Field(default=5, ge=1)
    writes_per_person_per_minute: int = Field(default=120, ge=1)
    writes_per_address_per_minute: int = Field(default=300, ge=1)
