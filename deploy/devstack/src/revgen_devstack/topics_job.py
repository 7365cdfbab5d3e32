"""One-shot job: create every declared topic that is missing (docker-compose's `topics`)."""
import asyncio

from revgen_common import ServiceSettings, ensure_topics, load_settings
from revgen_common.logs import configure_logging


def main() -> None:
    settings = load_settings(ServiceSettings)
    configure_logging(settings.log_level)
    created = asyncio.run(ensure_topics(settings.kafka_bootstrap_servers))
    print(f"topics ready; created {created or 'none'}")


if __name__ == "__main__":
    main()
