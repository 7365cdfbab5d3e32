"""Kafka away: answers stay fast and honest (503 + Retry-After, never a 2xx), and every
event that was acknowledged is on the topic exactly once after the broker returns."""
import asyncio
import json
import os
import signal
import time

import asyncpg
import pytest

from ingress.migrate import upgrade_database as upgrade
from ingress_testing import SECRETS, deliver, serve, settings_for, stripe_event
from revgen_common.envelope import Envelope
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_common.topics import ALL_TOPICS, STRIPE_WEBHOOKS, ensure_topics
from revgen_devstack import KafkaBroker, PostgresServer, free_port
from revgen_testing.kafka_io import read_all

SECRET = SECRETS["stripe_webhook_secret"]


@pytest.fixture
def own_broker(tmp_path):
    broker = KafkaBroker(tmp_path / "kafka").start()
    yield broker
    broker.stop()


async def test_kafka_down_gives_fast_503s_and_every_acknowledged_event_lands_exactly_once(own_broker, ingress_db):
    await ensure_topics(own_broker.bootstrap_servers, ALL_TOPICS)
    settings = settings_for(ingress_db, own_broker.bootstrap_servers, free_port(), kafka_request_timeout_ms=3000,
                            publish_settle_seconds=8, max_in_flight=6)
    bodies = [stripe_event() for _ in range(40)]
    acknowledged: set[str] = set()

    async def send(body):
        started = time.monotonic()
        response = await deliver(client, body, stripe_signature_header(body, [SECRET]))
        if response.status_code == 200:
            acknowledged.add(json.loads(body)["id"])
        return response, time.monotonic() - started

    async with serve(settings) as client:
        for body in bodies[:10]:
            assert (await send(body))[0].status_code == 200
        await asyncio.to_thread(own_broker.kill)
        during = [await send(body) for body in bodies[10:20]]
        assert all(r.status_code == 503 and r.headers["Retry-After"] for r, _ in during)
        assert max(elapsed for _, elapsed in during) <= 3.0

        burst = await asyncio.gather(*(send(body) for body in bodies[20:40]))
        overloaded = [elapsed for r, elapsed in burst if r.status_code == 503 and elapsed < 0.5]
        assert all(r.status_code == 503 for r, _ in burst)
        assert len(overloaded) >= 10  # beyond max_in_flight: refused at once, not queued

        await asyncio.to_thread(own_broker.start)
        deadline = time.monotonic() + 90
        waiting = [b for b in bodies if json.loads(b)["id"] not in acknowledged]
        while waiting and time.monotonic() < deadline:  # the provider retries what got 503
            await asyncio.sleep(1)
            for body in waiting:
                await send(body)
            waiting = [b for b in bodies if json.loads(b)["id"] not in acknowledged]
        assert not waiting, f"{len(waiting)} never acknowledged after the broker returned"

    records = await read_all(own_broker.bootstrap_servers, STRIPE_WEBHOOKS.name, timeout=60)
    on_topic = [Envelope.from_bytes(r.value).payload["provider_id"] for r in records]
    assert sorted(on_topic) == sorted(acknowledged) and len(acknowledged) == 40


@pytest.fixture
def own_postgres(tmp_path):
    server = PostgresServer(tmp_path / "postgres").start()
    yield server
    server.stop()


async def test_the_ledger_database_down_gives_fast_503s_never_a_2xx_and_ingress_recovers_when_it_returns(
        own_postgres, infra, all_topics):
    connection = await asyncpg.connect(own_postgres.dsn())
    await connection.execute("CREATE DATABASE ingress")
    await connection.close()
    await asyncio.to_thread(upgrade, own_postgres.url("ingress"))
    settings = settings_for(own_postgres.url("ingress"), infra.bootstrap_servers, free_port())
    async with serve(settings) as client:
        body = stripe_event()
        assert (await deliver(client, body, stripe_signature_header(body, [SECRET]))).status_code == 200
        # The database vanishes mid-flight: the postmaster and its backends (a backend outlives
        # a killed postmaster for a moment, and would still answer a one-round-trip claim).
        os.killpg(own_postgres.process.pid, signal.SIGKILL)
        await asyncio.to_thread(own_postgres.process.wait)
        for _ in range(5):
            body = stripe_event()
            started = time.monotonic()
            response = await deliver(client, body, stripe_signature_header(body, [SECRET]))
            assert response.status_code == 503 and response.headers["Retry-After"]
            assert time.monotonic() - started <= 3.0
        assert (await client.get("/readyz")).status_code == 503

        await asyncio.to_thread(own_postgres.start)  # the same data and port: stale pooled connections
        body = stripe_event()
        answers = []
        for _ in range(10):  # the provider retries; no ping on checkout, so a dead connection costs a 503
            response = await deliver(client, body, stripe_signature_header(body, [SECRET]))
            answers.append(response.status_code)
            if response.status_code == 200:
                break
            await asyncio.sleep(0.5)
        print(f"answers after the database returned: {answers}")
        assert answers[-1] == 200 and set(answers) <= {200, 503}, answers
        assert (await client.get("/readyz")).status_code == 200
