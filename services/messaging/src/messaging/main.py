"""`revgen-messaging`: validate settings, then serve the API and run the consumers,
relay, scheduler and summaries."""
import uvicorn

from messaging.bootstrap import create_app
from messaging.settings import MessagingSettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging
from revgen_common.tracing import configure_tracing


def main() -> None:
    settings = load_settings(MessagingSettings)
    configure_logging(settings.log_level)
    configure_tracing("messaging")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False)


if __name__ == "__main__":
    main()
