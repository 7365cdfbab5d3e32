"""Real Kafka and PostgreSQL for test suites, on free ports, torn down afterwards.

Chosen by environment:
- default: a broker and a server of our own (revgen_devstack), in a temporary directory;
- REVGEN_TEST_KAFKA_BOOTSTRAP_SERVERS / REVGEN_TEST_POSTGRES_DSN: reuse running ones;
- REVGEN_TEST_INFRA=docker: testcontainers (for machines with a Docker engine).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from revgen_devstack.kafka_broker import KafkaBroker
from revgen_devstack.postgres_server import PostgresServer


@dataclass(frozen=True)
class TestInfra:
    bootstrap_servers: str
    postgres_dsn: str  # libpq form, for a role that may CREATE DATABASE

    def database_url(self, database: str) -> str:
        """SQLAlchemy asyncpg URL of one database on the test server."""
        url = make_url(self.postgres_dsn).set(drivername="postgresql+asyncpg", database=database)
        return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def test_infra() -> Iterator[TestInfra]:
    mode = os.environ.get("REVGEN_TEST_INFRA", "local")
    if mode == "docker":
        with _docker_infra() as infra:
            yield infra
        return
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="revgen-test-")))
        bootstrap = os.environ.get("REVGEN_TEST_KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = KafkaBroker(work / "kafka").start()
            stack.callback(broker.stop)
            bootstrap = broker.bootstrap_servers
        dsn = os.environ.get("REVGEN_TEST_POSTGRES_DSN")
        if not dsn:
            server = PostgresServer(work / "postgres").start()
            stack.callback(server.stop)
            dsn = server.dsn()
        yield TestInfra(bootstrap, dsn)


@contextlib.contextmanager
def _docker_infra() -> Iterator[TestInfra]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka, \
            PostgresContainer("postgres:18", driver=None) as postgres:
        yield TestInfra(kafka.get_bootstrap_server(), postgres.get_connection_url())


async def create_database(infra: TestInfra, prefix: str = "t") -> str:
    """A fresh, uniquely named database; returns its SQLAlchemy URL. Unique names instead
    of teardown: tests never see each other's rows."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(infra.postgres_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return infra.database_url(name)
