"""`revgen-billing`: validate settings, then serve the command API and run the consumer,
relay, saga recovery and reconciliation."""
import uvicorn

from billing.bootstrap import create_app
from billing.settings import BillingSettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging
from revgen_common.tracing import configure_tracing


def main() -> None:
    settings = load_settings(BillingSettings)
    configure_logging(settings.log_level)
    configure_tracing("billing")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False)


if __name__ == "__main__":
    main()
