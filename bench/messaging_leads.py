"""Messaging end to end: inbound SMS -> reply at Twilio, a Twilio outage's backlog draining,
and a win-back run.

    uv run python -m bench.messaging_leads [--rate 100] [--seconds 30] [--outage-seconds 600]
                                           [--outage-rate 10] [--win-back 1000]

Real broker + PostgreSQL (test_infra), a fresh migrated database, messaging as its own
process. The Twilio and OpenAI fakes run in this process (so arrival times and send times
share one clock). Phases:
1. latency: inbound SMS events are put on `webhooks.twilio.messages` (what ingress does after
   verifying) open-loop at --rate for --seconds, each from a new lead; the AI fake answers in
   300 ms, Twilio accepts at once. Latency = the reply's arrival at the Twilio fake minus the
   event's scheduled time; the system's own overhead is that minus the 300 ms.
2. outage: Twilio answers 503 for --outage-seconds while SendMessage commands arrive at
   --outage-rate; then it recovers (accepting in 200 ms) and we time the backlog's drain.
3. win-back: --win-back leads, Twilio at 200 ms: time to queue the run and to reach Twilio.
Every phase checks each message reached Twilio exactly once. A phase given 0 (--seconds,
--outage-seconds, --win-back) is skipped, so each can be measured on a quiet box alone.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from messaging.migrate import upgrade_database
from revgen_common.envelope import Envelope
from revgen_common.topics import ALL_TOPICS, MESSAGING_COMMANDS, MESSAGING_SENDS, TWILIO_MESSAGES, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.testing import create_database, serve_app, test_infra
from revgen_fakes import openai as openai_fake
from revgen_fakes import twilio as twilio_fake
from tests.support.kafka_io import group_lag

AI_LATENCY, PROVIDER_LATENCY = 0.3, 0.2
CLIENTS, NUMBERS_PER_CLIENT = 10, 10
RESULTS = Path(__file__).parent / "results" / "messaging.json"


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4) if ordered else None


class Arrivals:
    """When each message reached the Twilio fake, by body."""

    def __init__(self, state):
        self.at: dict[str, list[float]] = {}
        accept = state.accept

        def timed(message):
            self.at.setdefault(message.body, []).append(time.monotonic())
            return accept(message)

        state.accept = timed

    def count(self, bodies) -> int:
        return sum(1 for b in bodies if b in self.at)

    def duplicates(self) -> int:
        return sum(len(times) - 1 for times in self.at.values())


async def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.2)
    return predicate()


async def publish_open_loop(producer, topic: str, messages: list[Envelope], rate: float) -> list[float]:
    """Sends each message at its scheduled time whatever happens; returns the schedule."""
    start = time.monotonic() + 0.5
    schedule = [start + i / rate for i in range(len(messages))]
    for message, at in zip(messages, schedule):
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await producer.send(topic, message.to_bytes(), key=message.key.encode())
    await producer.flush()
    return schedule


def inbound(to: str, lead: str, body: str) -> Envelope:
    raw = {"MessageSid": f"SM{uuid.uuid4().hex}", "To": to, "From": lead, "Body": body}
    return Envelope(type="TwilioMessageReceived", producer="bench", key=f"{to}|{lead}",
                    payload={"provider_id": raw["MessageSid"], "received_at": "2026-11-28T00:00:00Z", "raw": raw})


async def status_sink(scope, receive, send) -> None:
    """Where the Twilio fake's status callbacks go: answered at once (ingress is not under test)."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def start_messaging(infra, database_url: str, twilio_url: str, openai_url: str, twilio, port: int,
                          callback_url: str):
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers, "MESSAGING_DATABASE_URL": database_url,
           "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
           "TWILIO_API_BASE": twilio_url, "STATUS_CALLBACK_URL": callback_url,
           "PLATFORM_NUMBER": "+15005550006", "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": openai_url,
           "OPENAI_CONCURRENCY": "64", "SENDS_PER_NUMBER_PER_SECOND": "20", "SENDS_PER_ACCOUNT_PER_SECOND": "500",
           "PORT": str(port), "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "messaging.main"], env=env)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        for _ in range(300):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("messaging did not start")


async def main(args) -> None:
    from aiokafka import AIOKafkaProducer
    from revgen_common.kafka_config import producer_config

    report: dict = {"machine": {"cpus": psutil.cpu_count(), "python": platform.python_version()}, "args": vars(args)}
    with test_infra() as infra:
        await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)
        url = await create_database(infra, "messaging_bench")
        await asyncio.to_thread(upgrade_database, url)
        engine = create_async_engine(url)
        # Callbacks would go to a sink here (ingress is not under test): not sending them keeps
        # the fake's HTTP client off the 2 cores messaging is measured on.
        twilio = twilio_fake.TwilioState(send_callbacks=False)
        arrivals = Arrivals(twilio)
        ai = openai_fake.OpenAIState(api_keys={"sk-bench"}, latency=AI_LATENCY,
                                     responder=lambda messages: "answer to " + messages[-1]["content"])
        twilio_app, ai_app = twilio_fake.faulty_app(twilio), openai_fake.create_app(ai)
        twilio_port, ai_port, sink_port, port = free_port(), free_port(), free_port(), free_port()
        producer = AIOKafkaProducer(**producer_config(infra.bootstrap_servers))
        async with serve_app(twilio_app, twilio_port), serve_app(ai_app, ai_port), serve_app(status_sink, sink_port):
            process = await start_messaging(infra, url, f"http://127.0.0.1:{twilio_port}",
                                            f"http://127.0.0.1:{ai_port}/v1", twilio, port,
                                            f"http://127.0.0.1:{sink_port}/webhooks/twilio/status")
            await producer.start()
            try:
                numbers = await set_up_clients(port)
                if args.seconds > 0:
                    report["latency"] = await latency_phase(args, producer, numbers, arrivals, process)
                    report["latency"]["stages"] = await stages(engine)
                twilio.latency = PROVIDER_LATENCY
                if args.outage_seconds > 0:
                    report["outage"] = await outage_phase(args, producer, infra, twilio_app, arrivals)
                if args.win_back > 0:
                    report["win_back"] = await win_back_phase(args, engine, port, arrivals, process)
            finally:
                await producer.stop()
                process.terminate()
                process.wait(30)
                await engine.dispose()
    report["duplicates_at_twilio"] = arrivals.duplicates()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


async def set_up_clients(port: int) -> dict[str, list[str]]:
    clients = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for c in range(CLIENTS):
            numbers = [f"+1415555{c:02d}{n:02d}" for n in range(NUMBERS_PER_CLIENT)]
            profile = {"business_name": f"Client {c}", "numbers": numbers, "quiet_start": "00:00", "quiet_end": "00:00",
                       "monthly_limit": 1_000_000}
            (await http.put(f"/clients/bench-{c}/profile", json=profile)).raise_for_status()
            clients[f"bench-{c}"] = numbers
    return clients


async def latency_phase(args, producer, clients, arrivals, process) -> dict:
    numbers = [n for ns in clients.values() for n in ns]
    total = int(args.rate * args.seconds)
    messages = [inbound(numbers[i % len(numbers)], f"+1917{200 + i // 10000}{i % 10000:04d}", f"ref {i}") for i in range(total)]
    cpu_before = psutil.Process(process.pid).cpu_times()
    schedule = await publish_open_loop(producer, TWILIO_MESSAGES.name, messages, args.rate)
    replies = [f"answer to ref {i}" for i in range(total)]
    await wait_for(lambda: arrivals.count(replies) == total, timeout=120)
    cpu_after = psutil.Process(process.pid).cpu_times()
    latencies = [arrivals.at[r][0] - at for r, at in zip(replies, schedule) if r in arrivals.at]
    return {"messages": total, "rate": args.rate, "answered": len(latencies),
            "p50_s": percentile(latencies, 0.5), "p90_s": percentile(latencies, 0.9),
            "p99_s": percentile(latencies, 0.99), "max_s": percentile(latencies, 1.0),
            "overhead_p50_s": round(percentile(latencies, 0.5) - AI_LATENCY, 4) if latencies else None,
            "overhead_p99_s": round(percentile(latencies, 0.99) - AI_LATENCY, 4) if latencies else None,
            "messaging_cpu_s": round((cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system), 1)}


async def stages(engine) -> dict:
    """Where the time goes, medians in seconds: inbound recorded -> reply queued -> its
    SendRequested on Kafka (the outbox relay) -> send claimed -> Twilio accepted."""
    async with engine.connect() as db:
        row = (await db.execute(text("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.claimed_at - m.created_at)) AS to_claim,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.updated_at - s.claimed_at)) AS to_accept,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.created_at - m.created_at)) AS to_queue,
                   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM o.published_at - o.created_at))
                    FROM outbox o WHERE o.topic = 'messaging.sends') AS relay
            FROM sends s JOIN messages m ON m.message_sid = substr(s.source_key, 7)
            WHERE s.source_key LIKE 'reply:%'"""))).first()
    return {k: round(v, 3) if v is not None else None for k, v in row._asdict().items()}


async def outage_phase(args, producer, infra, twilio_app, arrivals) -> dict:
    total = int(args.outage_rate * args.outage_seconds)
    bodies = [f"outage message {i}" for i in range(total)]
    recipients = [f"+1646{300 + i // 10000}{i % 10000:04d}" for i in range(total)]
    commands = [Envelope(type="SendMessage", producer="bench", key=f"bench-0|{to}", client_id="bench-0",
                         payload={"client_id": "bench-0", "to": to, "body": body, "purpose": "other"})
                for to, body in zip(recipients, bodies)]
    twilio_app.randomly(1.0, "503", path_prefix="/2010-04-01/")
    await publish_open_loop(producer, MESSAGING_COMMANDS.name, commands, args.outage_rate)
    lag = await group_lag(infra.bootstrap_servers, "messaging-sender", MESSAGING_SENDS.name)
    reached_during_outage = arrivals.count(bodies)
    twilio_app.clear()
    recovered = time.monotonic()
    drained = await wait_for(lambda: arrivals.count(bodies) == total, timeout=max(300, total / 10))
    seconds = time.monotonic() - recovered
    return {"outage_seconds": args.outage_seconds, "backlog": total, "lag_at_recovery": lag,
            "reached_twilio_during_outage": reached_during_outage, "drained": drained,
            "drain_seconds": round(seconds, 1), "drain_rate_per_s": round(total / seconds, 1),
            "twilio_accept_latency_s": PROVIDER_LATENCY}


async def win_back_phase(args, engine, port, arrivals, process) -> dict:
    client = "bench-1"
    async with engine.begin() as db:
        await db.execute(text("""
            INSERT INTO leads (id, client_id, phone, name, source, status, created_at)
            SELECT gen_random_uuid(), :c, '+1718' || (400 + g / 10000) || lpad((g % 10000)::text, 4, '0'), 'Lead ' || g,
                   'bench', 'lost',
                   now() - interval '200 days'
            FROM generate_series(1, :n) g"""), {"c": client, "n": args.win_back})
    cpu_before = {"messaging": _cpu_seconds(process), "bench_and_fakes": _cpu_seconds(psutil.Process())}
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        answer = await http.post(f"/clients/{client}/automations/win-back",
                                 json={"run_id": "bench", "template": "We miss you, {name}! 10% off this month.",
                                       "inactive_days": 90})
    queued = time.monotonic() - started
    bodies = [f"We miss you, Lead {g}! 10% off this month." for g in range(1, args.win_back + 1)]
    done = await wait_for(lambda: arrivals.count(bodies) == args.win_back, timeout=300)
    seconds = time.monotonic() - started
    cpu = {"messaging": round(_cpu_seconds(process) - cpu_before["messaging"], 1),
           "bench_and_fakes": round(_cpu_seconds(psutil.Process()) - cpu_before["bench_and_fakes"], 1)}
    per_second = [0] * (int(seconds) + 1)
    for body in bodies:
        if body in arrivals.at:
            per_second[int(arrivals.at[body][0] - started)] += 1
    return {"leads": args.win_back, "queued": answer.json().get("queued"), "queue_seconds": round(queued, 2),
            "all_at_twilio": done, "seconds_to_reach_twilio": round(seconds, 2),
            "twilio_accept_latency_s": PROVIDER_LATENCY, "arrivals_per_second": per_second, "cpu_seconds": cpu,
            "sender_counters": await _sender_counters(port)}


def _cpu_seconds(process) -> float:
    times = psutil.Process(process.pid).cpu_times()
    return times.user + times.system


async def _sender_counters(port: int) -> dict:
    """The sender's retries and pacing deferrals so far, from its /metrics."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        text_ = (await http.get("/metrics/")).text
    counters = {}
    for line in text_.splitlines():
        if line.startswith(("revgen_retries_total", "revgen_deferrals_total")) and "messaging-sender" in line:
            counters[line.split("{")[0]] = float(line.rsplit(" ", 1)[1])
    return counters


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--outage-seconds", type=float, default=600)
    parser.add_argument("--outage-rate", type=float, default=10)
    parser.add_argument("--win-back", type=int, default=1000)
    asyncio.run(main(parser.parse_args()))
