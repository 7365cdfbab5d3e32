"""`revgen-escalation`: validate settings, then serve claims and run the consumer, relay and timer."""
import uvicorn

from escalation.bootstrap import create_app
from escalation.settings import EscalationSettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging
from revgen_common.tracing import configure_tracing


def main() -> None:
    settings = load_settings(EscalationSettings)
    configure_logging(settings.log_level)
    configure_tracing("escalation")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False)


if __name__ == "__main__":
    main()
