"""`revgen-identity`: validate settings, then serve the identity API (and its outbox relay)."""
import uvicorn

from identity.bootstrap import create_app
from identity.settings import IdentitySettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging
from revgen_common.tracing import configure_tracing


def main() -> None:
    settings = load_settings(IdentitySettings)
    configure_logging(settings.log_level)
    configure_tracing("identity")
    # Forwarded headers are judged by the app (TRUSTED_PROXIES), never by uvicorn.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False)


if __name__ == "__main__":
    main()
