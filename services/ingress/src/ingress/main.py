"""`revgen-ingress`: validate settings, then serve the webhook gateway."""
import uvicorn

from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging


def main() -> None:
    settings = load_settings(IngressSettings)  # exits naming every bad variable
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, proxy_headers=False,
                timeout_graceful_shutdown=15)


if __name__ == "__main__":
    main()
