"""`revgen-reputation`: validate settings, then serve the API and run the poll timer, the consumer and relay."""
from reputation.bootstrap import create_app
from reputation.settings import ReputationSettings
from revgen_common.service import serve


def main() -> None:
    serve("reputation", ReputationSettings, create_app)


if __name__ == "__main__":
    main()
