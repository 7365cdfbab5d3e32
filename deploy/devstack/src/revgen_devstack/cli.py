"""`revgen-devstack up`: the whole system in the foreground until Ctrl-C.

Starts PostgreSQL and Kafka (unless *_DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS point at
existing ones), creates every declared topic and one database per service, runs each
service's migrations, then runs the services. Ctrl-C stops everything it started.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg

from revgen_common.topics import ensure_topics
from revgen_devstack.kafka_broker import KafkaBroker
from revgen_devstack.postgres_server import PostgresServer
from revgen_devstack.services import FAKES, SERVICES, Service


def _print(message: str) -> None:
    print(f"[revgen] {message}", flush=True)


async def _create_databases(admin_dsn: str, names: list[str]) -> None:
    connection = await asyncpg.connect(admin_dsn)
    try:
        existing = {row["datname"] for row in await connection.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _wait_for_signal() -> None:
    stopping = {"now": False}

    def stop(*_):
        stopping["now"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping["now"]:
        signal.pause()


def _local_env(path: Path) -> dict[str, str]:
    """Secrets for a local run: generated once, kept in `path`, overridden by the real
    environment. Production never uses this: there every secret must be given."""
    values = {}
    if path.exists():
        values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    wanted = [name for service in SERVICES for name in service.local_secrets]
    missing = [name for name in wanted if name not in values]
    if missing:
        values.update({name: secrets.token_hex(24) for name in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values


def up(data_dir: Path) -> int:
    with contextlib.ExitStack() as stack:
        env = {**_local_env(data_dir.parent / "local.env"), **os.environ}
        _print(f"local secrets in {data_dir.parent / 'local.env'} (the environment overrides them)")
        if not env.get("KAFKA_BOOTSTRAP_SERVERS"):
            broker = KafkaBroker(data_dir / "kafka").start()
            stack.callback(broker.stop)
            env["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
        _print(f"Kafka at {env['KAFKA_BOOTSTRAP_SERVERS']}")
        with_databases = [s for s in SERVICES if s.has_database]
        missing_urls = [s for s in with_databases if not env.get(s.database_url_variable)]
        server = None
        if missing_urls or not with_databases:
            server = PostgresServer(data_dir / "postgres").start()
            stack.callback(server.stop)
            _print(f"PostgreSQL at {server.dsn()}")
            asyncio.run(_create_databases(server.dsn(), [s.name for s in with_databases]))
            for service in missing_urls:
                env[service.database_url_variable] = server.url(service.name)
        created = asyncio.run(ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"]))
        _print(f"topics ready ({len(created)} created)")
        for service in SERVICES:
            _migrate(service, env)
        for fake in FAKES:
            if not env.get(fake.real_if_set):
                env.update(fake.env)
                process = subprocess.Popen(fake.command, env=env)
                stack.callback(_stop_process, process)
                _print(f"{fake.name} fake at {fake.env} (set {fake.real_if_set} to use the real {fake.name})")
        running_env = _write_running_env(data_dir.parent / "running.env", env, with_databases)
        stack.callback(running_env.unlink, missing_ok=True)
        _print(f"endpoints in {running_env} (for `revgen`, the operators' command)")
        for service in SERVICES:
            process = subprocess.Popen(service.command, env={**service.local_env, **env})
            stack.callback(_stop_process, process)
            _print(f"{service.name} started (pid {process.pid})")
        if not SERVICES:
            _print("no service is built yet; infrastructure only")
        _print("running; the admin UI is at http://127.0.0.1:8085 (log in with the owner's phone, see README); "
               "Ctrl-C stops everything")
        _wait_for_signal()
        _print("stopping")
    return 0


def _write_running_env(path: Path, env: dict[str, str], services: list[Service]) -> Path:
    """Where this run's Kafka and databases are (ports change from run to run), for the
    operators' `revgen` command; removed when the run stops."""
    names = ["KAFKA_BOOTSTRAP_SERVERS", *(s.database_url_variable for s in services)]
    path.write_text("# written by ./dev up while it runs\n" + "".join(f"{n}={env[n]}\n" for n in names))
    path.chmod(0o600)
    return path


def _migrate(service: Service, env: dict[str, str]) -> None:
    if service.migrate_command:
        subprocess.run(service.migrate_command, env=env, check=True)
        _print(f"{service.name} database migrated")


def _stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="revgen-devstack")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("up", help="run Kafka, PostgreSQL and every service until Ctrl-C")
    run.add_argument("--data-dir", type=Path, default=Path(os.environ.get("REVGEN_DATA_DIR", ".revgen/data")),
                     help="where Kafka and PostgreSQL keep their data (kept across restarts)")
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args.data_dir.resolve())
    return 2


if __name__ == "__main__":
    sys.exit(main())
