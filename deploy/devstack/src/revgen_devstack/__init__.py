"""Local infrastructure without Docker: a real Kafka broker and a real PostgreSQL."""
from revgen_devstack.kafka_broker import KafkaBroker
from revgen_devstack.ports import free_port
from revgen_devstack.postgres_server import PostgresServer

__all__ = ["KafkaBroker", "PostgresServer", "free_port"]
