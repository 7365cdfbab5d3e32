"""A process with required secrets, for the start-up validation test: it validates its
settings, and only then opens a port (as a service opens its API's)."""
from prometheus_client import start_http_server
from pydantic import Field

from revgen_common import Required, Secret, ServiceSettings, load_settings


class ExampleSettings(ServiceSettings):
    example_database_url: Required
    stripe_webhook_secret: Secret
    twilio_auth_token: Secret
    metrics_port: int = Field(default=0, ge=0, le=65535)


if __name__ == "__main__":
    settings = load_settings(ExampleSettings)
    start_http_server(settings.metrics_port, addr="127.0.0.1")
    print("started")
