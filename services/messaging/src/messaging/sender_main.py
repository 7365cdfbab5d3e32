"""`revgen-messaging-sender`: validate settings, then run messaging's sender group (every
call to Twilio) in a process of its own, beside `revgen-messaging` run with
SENDER_IN_OWN_PROCESS=true (ADR 0017)."""
from messaging.bootstrap import create_sender_app
from messaging.settings import MessagingSettings
from revgen_common.service import serve


def main() -> None:
    serve("messaging-sender", MessagingSettings, create_sender_app)


if __name__ == "__main__":
    main()
