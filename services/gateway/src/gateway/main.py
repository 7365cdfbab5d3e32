"""`revgen-gateway`: validate settings, then serve the admin UI and /api/v1."""
import uvicorn

from gateway.bootstrap import create_app
from gateway.settings import GatewaySettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging


def main() -> None:
    settings = load_settings(GatewaySettings)
    configure_logging(settings.log_level)
    # Forwarded headers are judged by the app (TRUSTED_PROXIES), never by uvicorn.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False)


if __name__ == "__main__":
    main()
