"""`revgen-identity`: validate settings, then serve the identity API (and its outbox relay)."""
from identity.bootstrap import create_app
from identity.settings import IdentitySettings
from revgen_common.service import serve


def main() -> None:
    serve("identity", IdentitySettings, create_app)


if __name__ == "__main__":
    main()
