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
    # testcontainers' KafkaContainer drives Confluent images only (with_kraft() rejects
    # apache/kafka's version number, its start script calls /etc/confluent/docker/*), so the
    # official image runs as a plain container with BROKER_SETTINGS, as the local broker does.
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    from revgen_devstack.kafka_broker import BROKER_SETTINGS

    script = "/tmp/revgen-start.sh"
    settings = {
        **BROKER_SETTINGS,
        # Clients use the mapped port; the broker's calls to itself (transaction markers) use BROKER.
        "listeners": "PLAINTEXT://:9092,BROKER://:9093,CONTROLLER://:9094",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "BROKER",
        "controller.quorum.voters": "1@localhost:9094",
        "log.dirs": "/var/lib/kafka/data",
    }
    kafka = DockerContainer("apache/kafka:4.1.1").with_exposed_ports(9092)
    kafka.with_env("CLUSTER_ID", "4L6g3nShT-eMCtK--X86sw")
    for key, value in settings.items():
        kafka.with_env("KAFKA_" + key.upper().replace(".", "_"), value)
    # The advertised address holds the mapped port, known only once the container runs.
    kafka.with_command(["sh", "-c", f"while [ ! -f {script} ]; do sleep 0.1; done; exec sh {script}"])
    with kafka, PostgresContainer("postgres:18", driver=None) as postgres:
        bootstrap = f"{kafka.get_container_host_ip()}:{kafka.get_exposed_port(9092)}"
        advertised = f"PLAINTEXT://{bootstrap},BROKER://localhost:9093"
        start = f"export KAFKA_ADVERTISED_LISTENERS={advertised}; exec /etc/kafka/docker/run"
        kafka.exec(["sh", "-c", f"echo '{start}' > {script}.tmp && mv {script}.tmp {script}"])
        running = LogMessageWaitStrategy("Transitioning from RECOVERY to RUNNING").with_startup_timeout(120)
        running.wait_until_ready(kafka)
        yield TestInfra(bootstrap, postgres.get_connection_url())


async def create_database(infra: TestInfra, prefix: str = "t", template: str | None = None) -> str:
    """A fresh, uniquely named database (a copy of `template` if given); returns its
    SQLAlchemy URL. Unique names instead of teardown: tests never see each other's rows."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(infra.postgres_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await connection.close()
    return infra.database_url(name)


@contextlib.asynccontextmanager
async def serve_app(app, port: int, headers: dict[str, str] | None = None):
    """Run an ASGI app with uvicorn in this event loop on 127.0.0.1:`port`, lifespan and
    all; yields an httpx client for it (sending `headers` with every request: a service's
    internal credential, say) and shuts the server down afterwards."""
    import asyncio
    import time

    import httpx
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                                           proxy_headers=False))

    async def serve():
        # uvicorn exits the process (SystemExit) when it cannot bind; in a fixture that
        # escapes pytest's error caching and breaks every later use of the fixture.
        try:
            await server.serve()
        except SystemExit as exited:
            raise RuntimeError(f"uvicorn could not serve on 127.0.0.1:{port} (see its log)") from exited

    task = asyncio.create_task(serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("server did not start") from (task.exception() if task.done() else None)
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20, headers=headers) as client:
            yield client
    finally:
        server.should_exit = True
        await task
