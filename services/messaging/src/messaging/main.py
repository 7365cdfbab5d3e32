"""`revgen-messaging`: validate settings, then serve the API and run the consumers,
relay, scheduler and summaries."""
from messaging.bootstrap import create_app
from messaging.settings import MessagingSettings
from revgen_common.service import serve


def main() -> None:
    serve("messaging", MessagingSettings, create_app)


if __name__ == "__main__":
    main()
