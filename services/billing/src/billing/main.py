"""`revgen-billing`: validate settings, then serve the command API and run the consumer,
relay, saga recovery and reconciliation."""
from billing.bootstrap import create_app
from billing.settings import BillingSettings
from revgen_common.service import serve


def main() -> None:
    serve("billing", BillingSettings, create_app)


if __name__ == "__main__":
    main()
