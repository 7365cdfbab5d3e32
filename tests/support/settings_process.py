"""A process with required secrets, for the start-up validation test: it validates its
settings, and only then opens its metrics port."""
from revgen_common import Required, Secret, ServiceSettings, load_settings
from revgen_common.metrics import serve_metrics


class ExampleSettings(ServiceSettings):
    example_database_url: Required
    stripe_webhook_secret: Secret
    twilio_auth_token: Secret


if __name__ == "__main__":
    settings = load_settings(ExampleSettings)
    serve_metrics(settings.metrics_port)
    print("started")
