"""`revgen-escalation`: validate settings, then serve claims and run the consumer, relay and timer."""
from escalation.bootstrap import create_app
from escalation.settings import EscalationSettings
from revgen_common.service import serve


def main() -> None:
    serve("escalation", EscalationSettings, create_app)


if __name__ == "__main__":
    main()
