"""Messaging end to end, driven as Twilio and leads would: signed inbound-SMS webhooks to
ingress, replies timed at the Twilio fake; under faults, per-number pacing, a Twilio outage's
backlog draining, and a win-back run.

    uv run python -m bench.messaging_leads [--rates 20,50,100] [--seconds 20]
        [--faults none,hang,429,kill9] [--together 50] [--pacing] [--at-rate-seconds 60]
        [--outage-seconds 0] [--win-back 0] [--ai-latency 0] [--per-number-rate 1] [--sender own-process|inline]

Real broker + PostgreSQL (test_infra), fresh migrated databases, ingress (one worker) and
messaging as processes, the fakes in this process (see messaging_system). Phases:
- answers: at each --rate for --seconds, each SMS from a new lead, spread round-robin over
  200 numbers of 10 clients (each number well under its 1/s), under each --fault: none, hang
  (the assistant never answers), 429 (half its answers are 429 with Retry-After: 1), kill9
  (messaging is killed with SIGKILL a third into the phase and restarted at once). Latency
  = the reply's arrival at the Twilio fake minus the webhook's scheduled send time.
- together: --together leads text at the same instant while the assistant hangs.
- pacing: 8 leads text one number at once; then --at-rate-seconds of 20 numbers each fed at
  exactly --per-number-rate: per-number gaps between replies, and whether a backlog builds.
- outage: Twilio answers 503 for --outage-seconds while commands arrive at --outage-rate,
  then recovers (accepting in 200 ms): the backlog's drain.
- win-back: --win-back leads, Twilio at 200 ms: time to queue the run and to reach Twilio.
Every phase checks each lead was answered exactly once. Sends per account are raised to
500/s so only the per-number pace is pacing. Results: bench/results/messaging-<time>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import platform
import statistics
import time
from pathlib import Path

import psutil
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.messaging_system import COMPLETIONS, Load, System, send_open_loop, sms_webhook
from messaging.service_layer.conversations import HOLDING_REPLY
from revgen_common.envelope import Envelope
from revgen_common.kafka_config import producer_config
from revgen_common.topics import MESSAGING_COMMANDS, MESSAGING_SENDS
from revgen_devstack.testing import test_infra
from revgen_testing.kafka_io import group_lag

RESULTS = Path(__file__).parent / "results"
CLIENTS, NUMBERS_EACH = 10, 20
PROVIDER_LATENCY = 0.2
HOLDING_START = HOLDING_REPLY.split("{")[0]
FAULTS = {"none": None, "hang": (1.0, "hang"), "429": (0.5, "429:retry_after=1"), "kill9": None}


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else None


def summary(values: list[float]) -> dict:
    return {"p50_s": percentile(values, 0.5), "p90_s": percentile(values, 0.9), "p99_s": percentile(values, 0.99),
            "max_s": percentile(values, 1.0)}


class Leads:
    """A new lead's phone for every message of the run."""

    def __init__(self):
        self.next = 0

    def take(self, n: int) -> list[str]:
        first, self.next = self.next, self.next + n
        return [f"+1917{200 + i // 10000}{i % 10000:04d}" for i in range(first, first + n)]


async def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return predicate()


async def answers(system: System, numbers: list[str], leads: list[str], rate: float, fault: str,
                  drain_timeout: float = 90) -> dict:
    """Sends one webhook per lead at `rate` (0: all at once), under `fault`; times each reply."""
    requests = [sms_webhook(numbers[i % len(numbers)], lead, f"ref {lead}") for i, lead in enumerate(leads)]
    if FAULTS.get(fault):
        system.ai_app.randomly(*FAULTS[fault], path_prefix=COMPLETIONS)
    load, cpu_before, restart = Load(), system.messaging_cpu(), {}
    killing = asyncio.create_task(kill_and_restart(system, len(leads) / rate / 3, restart)) if fault == "kill9" else None
    wall_offset = time.time() - time.monotonic()  # wall clock: the database stamps its rows with it
    schedule, statuses = await send_open_loop(system.ingress_port, requests, rate)
    if killing:
        await killing
    answered = await wait_until(lambda: system.arrivals.answered(leads) == len(leads), drain_timeout)
    system.ai_app.clear()
    firsts = [system.arrivals.first(lead) for lead in leads]
    latencies = [first[0] - at for first, at in zip(firsts, schedule) if first]
    holding = sum(1 for first in firsts if first and first[1].startswith(HOLDING_START))
    result = {"fault": fault, "rate": rate, "messages": len(leads), "answered": len(latencies),
              "all_answered": answered, "holding_replies": holding, "duplicates": system.arrivals.duplicates(leads),
              "webhook_answers": dict(collections.Counter(str(s) for s in statuses)), **summary(latencies),
              "messaging_cpu_s": round(system.messaging_cpu() - cpu_before, 1) if fault != "kill9" else None,
              "after_webhook": await after_webhook(system, leads, [at + wall_offset for at in schedule]),
              "load": load.report(len(leads))}
    if fault == "kill9":
        after = [first[0] for first in firsts if first and first[0] > restart["ready_at"]]
        result["restart"] = {"ready_after_s": round(restart["ready_s"], 2),
                             "first_reply_after_ready_s": round(min(after) - restart["ready_at"], 2) if after else None}
    return result


async def stages(system: System) -> dict:
    """Where the time goes, medians in seconds over every reply so far: inbound recorded ->
    reply queued, its SendRequested waiting for the relay, recorded -> send claimed ->
    Twilio accepted (recorded)."""
    engine = create_async_engine(system.messaging_url)
    async with engine.connect() as db:
        row = (await db.execute(text("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.created_at - m.created_at)) AS to_queue,
                   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM o.published_at - o.created_at))
                    FROM outbox o WHERE o.topic = 'messaging.sends') AS relay,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.claimed_at - m.created_at)) AS to_claim,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.updated_at - s.claimed_at)) AS to_record
            FROM sends s JOIN messages m ON m.message_sid = substr(s.source_key, 7)
            WHERE s.source_key LIKE 'reply:%'"""))).first()
    await engine.dispose()
    return {k: round(v, 3) if v is not None else None for k, v in row._asdict().items()}


async def after_webhook(system: System, leads: list[str], sent_at: list[float]) -> dict:
    """This phase's replies, p50/p99 seconds after the webhook was sent: queued (the inbound
    message's transaction, which also writes the reply), claimed by the sender, accepted by
    Twilio (recorded)."""
    engine = create_async_engine(system.messaging_url)
    async with engine.connect() as db:
        rows = (await db.execute(text("""
            SELECT to_number, EXTRACT(EPOCH FROM created_at), EXTRACT(EPOCH FROM claimed_at), EXTRACT(EPOCH FROM updated_at)
            FROM sends WHERE source_key LIKE 'reply:%' AND to_number = ANY(:leads)"""), {"leads": leads})).all()
    await engine.dispose()
    webhook = dict(zip(leads, sent_at))
    found = {}
    for column, name in ((1, "queued"), (2, "claimed"), (3, "accepted")):
        values = [float(row[column]) - webhook[row[0]] for row in rows if row[column] is not None]
        found[name] = {"p50_s": percentile(values, 0.5), "p99_s": percentile(values, 0.99)}
    return found


async def counters(system: System) -> dict:
    """Deferrals (NotYet) and retries so far, by consumer group, from messaging's /metrics."""
    async with system.messaging_api() as http:
        lines = (await http.get("/metrics/")).text.splitlines()
    found: dict = collections.Counter()
    for line in lines:
        if line.startswith(("revgen_deferrals_total{", "revgen_retries_total{")):
            name, labels = line.split("{")[0].removeprefix("revgen_").removesuffix("_total"), line.split("{")[1]
            group = labels.split('consumer="')[1].split('"')[0]
            found[f"{name}:{group}"] += float(line.rsplit(" ", 1)[1])
    return dict(found)


async def kill_and_restart(system: System, after: float, restart: dict) -> None:
    await asyncio.sleep(after)
    system.kill_messaging()
    restart["ready_s"] = await system.start_messaging()
    restart["ready_at"] = time.monotonic()


async def pacing(system: System, leads: Leads, seconds: float, per_number_rate: float) -> dict:
    """8 leads on one number at once; then 20 numbers fed at exactly their rate."""
    [number] = await system.add_clients(1, 1, first=CLIENTS)
    burst = leads.take(8)
    schedule, _ = await send_open_loop(system.ingress_port, [sms_webhook(number, lead, "hi") for lead in burst], 0)
    await wait_until(lambda: system.arrivals.answered(burst) == 8, 60)
    replies = sorted(round(system.arrivals.first(lead)[0] - schedule[0], 2) for lead in burst
                     if system.arrivals.first(lead))
    numbers = await system.add_clients(1, 20, first=CLIENTS + 1)
    fed = leads.take(int(seconds * per_number_rate * len(numbers)))
    result = await answers(system, numbers, fed, per_number_rate * len(numbers), "none")
    gaps = []
    for n in range(len(numbers)):
        times = sorted(system.arrivals.first(lead)[0] for lead in fed[n::len(numbers)] if system.arrivals.first(lead))
        gaps += [later - earlier for earlier, later in zip(times, times[1:])]
    quarter = len(fed) // 4
    tail = [system.arrivals.first(lead)[0] for lead in fed[-quarter:] if system.arrivals.first(lead)]
    return {"one_number_8_at_once_replies_s": replies,
            "at_rate": {**result, "per_number_rate": per_number_rate, "numbers": len(numbers),
                        "stages_so_far": await stages(system), "counters_so_far": await counters(system),
                        "gap_median_s": round(statistics.median(gaps), 4) if gaps else None,
                        "gap_p10_s": percentile(gaps, 0.1), "gap_p90_s": percentile(gaps, 0.9),
                        "last_quarter_answered": len(tail)}}


async def outage(system: System, args) -> dict:
    total = int(args.outage_rate * args.outage_seconds)
    recipients = [f"+1646{300 + i // 10000}{i % 10000:04d}" for i in range(total)]
    commands = [Envelope(type="SendMessage", producer="bench", key=f"bench-0|{to}", client_id="bench-0",
                         payload={"client_id": "bench-0", "to": to, "body": f"outage message {i}", "purpose": "other"})
                for i, to in enumerate(recipients)]
    system.twilio_app.randomly(1.0, "503", path_prefix="/2010-04-01/")
    producer = AIOKafkaProducer(**producer_config(system.infra.bootstrap_servers))
    await producer.start()
    try:
        for command in commands:
            await producer.send(MESSAGING_COMMANDS.name, command.to_bytes(), key=command.key.encode())
            await asyncio.sleep(1 / args.outage_rate)
    finally:
        await producer.stop()
    lag = await group_lag(system.infra.bootstrap_servers, "messaging-sender", MESSAGING_SENDS.name)
    during = system.arrivals.answered(recipients)
    system.twilio_app.clear()
    recovered = time.monotonic()
    drained = await wait_until(lambda: system.arrivals.answered(recipients) == total, max(300, total / 10))
    seconds = time.monotonic() - recovered
    return {"outage_seconds": args.outage_seconds, "backlog": total, "lag_at_recovery": lag,
            "reached_twilio_during_outage": during, "drained": drained, "drain_seconds": round(seconds, 1),
            "drain_rate_per_s": round(total / seconds, 1), "duplicates": system.arrivals.duplicates(recipients)}


async def win_back(system: System, count: int) -> dict:
    engine = create_async_engine(system.messaging_url)
    async with engine.begin() as db:
        await db.execute(text("""
            INSERT INTO leads (id, client_id, phone, name, source, status, created_at)
            SELECT gen_random_uuid(), 'bench-1', '+1718' || (400 + g / 10000) || lpad((g % 10000)::text, 4, '0'),
                   'Lead ' || g, 'bench', 'lost', now() - interval '200 days'
            FROM generate_series(1, :n) g"""), {"n": count})
    await engine.dispose()
    phones = [f"+1718{400 + g // 10000}{g % 10000:04d}" for g in range(1, count + 1)]
    started = time.monotonic()
    async with system.messaging_api() as http:
        queued = (await http.post("/clients/bench-1/automations/win-back", json={
            "run_id": "bench", "template": "We miss you, {name}! 10% off this month.", "inactive_days": 90})).json()
    done = await wait_until(lambda: system.arrivals.answered(phones) == count, 300)
    return {"leads": count, "queued": queued.get("queued"), "all_at_twilio": done,
            "seconds_to_reach_twilio": round(time.monotonic() - started, 2),
            "duplicates": system.arrivals.duplicates(phones)}


async def main(args) -> None:
    report: dict = {"machine": {"cpus": psutil.cpu_count(), "python": platform.python_version()}, "args": vars(args)}
    env = {"SENDS_PER_ACCOUNT_PER_SECOND": "500", "SENDS_PER_NUMBER_PER_SECOND": str(args.per_number_rate)}
    with test_infra() as infra:
        system = System(infra, env, sender_in_own_process=args.sender == "own-process")
        system.ai.latency = args.ai_latency
        async with system.running():
            numbers = await system.add_clients(CLIENTS, NUMBERS_EACH)
            leads = Leads()
            await answers(system, numbers, leads.take(50), 10, "none")  # warm-up: groups joined, pools filled
            if args.idle_seconds > 0:  # what each part costs with nothing to do (polls, heartbeats, timers)
                await asyncio.sleep(3)
                idle = Load()
                await asyncio.sleep(args.idle_seconds)
                report["idle"] = idle.report()
                print(json.dumps({"idle": report["idle"]}), flush=True)
            report["answers"] = []
            for fault in args.faults.split(","):
                for rate in [float(r) for r in args.rates.split(",") if args.seconds > 0]:
                    await asyncio.sleep(3)  # the previous phase's tail is over
                    phase = await answers(system, numbers, leads.take(int(rate * args.seconds)), rate, fault)
                    phase["stages_so_far"] = await stages(system)
                    phase["counters_so_far"] = await counters(system)
                    report["answers"].append(phase)
                    print(json.dumps(phase), flush=True)
            if args.together > 0:
                report["together_hanging"] = await answers(system, numbers, leads.take(args.together), 0, "hang")
                print(json.dumps(report["together_hanging"]), flush=True)
            if args.pacing:
                report["pacing"] = await pacing(system, leads, args.at_rate_seconds, args.per_number_rate)
                print(json.dumps(report["pacing"]), flush=True)
            system.twilio.latency = PROVIDER_LATENCY
            if args.outage_seconds > 0:
                report["outage"] = await outage(system, args)
            if args.win_back > 0:
                report["win_back"] = await win_back(system, args.win_back)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"messaging-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k not in ("answers",)}, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="20,50,100")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--faults", default="none,hang,429,kill9")
    parser.add_argument("--together", type=int, default=50)
    parser.add_argument("--pacing", action="store_true")
    parser.add_argument("--at-rate-seconds", type=float, default=60)
    parser.add_argument("--per-number-rate", type=float, default=1.0)
    parser.add_argument("--ai-latency", type=float, default=0.0)
    parser.add_argument("--outage-seconds", type=float, default=0)
    parser.add_argument("--outage-rate", type=float, default=10)
    parser.add_argument("--win-back", type=int, default=0)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--sender", choices=("own-process", "inline"), default="own-process",
                        help="messaging's sender group in revgen-messaging-sender (as ./dev up runs it) or in messaging")
    asyncio.run(main(parser.parse_args()))
