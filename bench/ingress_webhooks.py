"""Webhooks/s through the ingress gateway (verify -> dedup ledger -> Kafka acks=all -> 200).

    uv run python -m bench.ingress_webhooks [--rates 250,500,1000,1500,2000,3000] [--seconds 10] [--workers 2]
                                            [--warm-seconds 3]

Real broker + PostgreSQL (test_infra), a fresh migrated DB, ingress as its own process (uvicorn,
uvloop, httptools; --workers sets INGRESS_WORKERS, other ingress settings pass through the
environment, e.g. MAX_IN_FLIGHT). The load generator is another process: open-loop, on uvloop, over raw asyncio
HTTP/1.1 keep-alive connections (httpx costs far more CPU per request; wrk is closed-loop). It
sends pre-signed requests (half Stripe events, half Twilio inbound SMS, all ids unique) at their
scheduled times whatever the answers, and times each from its *scheduled* time (no coordinated
omission). Each phase records CPU per process group (psutil). After a 5x burst over the best
sustained rate, both topics are read back: every 200 must have exactly one record.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import json
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import psutil
import uvloop

from ingress.migrate import upgrade_database
from revgen_common.envelope import Envelope
from revgen_common.testing.provider_signatures import stripe_signature_header, twilio_signature
from revgen_common.topics import ALL_TOPICS, STRIPE_WEBHOOKS, TWILIO_MESSAGES, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.testing import create_database, test_infra
from revgen_testing.kafka_io import read_all

STRIPE_SECRET, TWILIO_TOKEN, PUBLIC_URL = "whsec_bench_4f1a9c", "bench-twilio-token-7d2e", "https://hooks.revgen.example"
LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")
MAX_CONNECTIONS, DRAIN_SECONDS = 2000, 15.0
REQUESTS: list[tuple[str, bytes]] = []  # in the generator process: the phase's pre-signed requests


def presign(tag: str, n: int) -> list[tuple[str, bytes]]:
    """n ready-to-write requests, alternating Stripe / Twilio, as (provider id, bytes)."""
    now, requests = int(time.time()), []  # wall clock: ingress checks signatures against it
    for i in range(n):
        if i % 2 == 0:
            pid = f"evt_{tag}_{i}"
            body = json.dumps({"id": pid, "object": "event", "type": "invoice.paid", "data": {"object": {
                "id": f"in_{tag}_{i}", "object": "invoice", "customer": f"cus_{i % 997}"}}}).encode()
            path, headers = "/webhooks/stripe", ("Content-Type: application/json\r\n"
                                                 f"Stripe-Signature: {stripe_signature_header(body, [STRIPE_SECRET], now)}")
        else:
            pid = f"SM{tag}x{i:09d}"
            params = {"MessageSid": pid, "AccountSid": "ACbench", "From": f"+1555{i % 9973:07d}",
                      "To": "+15550000001", "Body": "Yes please, Tuesday works"}
            body, path = urlencode(params).encode(), "/webhooks/twilio/sms"
            headers = ("Content-Type: application/x-www-form-urlencoded\r\n"
                       f"X-Twilio-Signature: {twilio_signature(TWILIO_TOKEN, PUBLIC_URL + path, params)}")
        head = f"POST {path} HTTP/1.1\r\nHost: ingress\r\n{headers}\r\nContent-Length: {len(body)}\r\n\r\n"
        requests.append((pid, head.encode() + body))
    return requests


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection carrying one request at a time."""
    buffer, waiting, transport, closed = b"", None, None, False

    def data_received(self, data):
        self.buffer += data
        if (end := self.buffer.find(b"\r\n\r\n")) < 0 or self.waiting is None:
            return
        head = self.buffer[:end]
        size = int(m.group(1)) if (m := LENGTH.search(head)) else 0
        if len(self.buffer) >= end + 4 + size:
            self.buffer = self.buffer[end + 4 + size:]
            self.waiting.set_result((int(head[9:12]), b"\r\nretry-after:" in head.lower()))
            self.waiting = None

    def connection_lost(self, exc):
        self.closed = True
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(ConnectionError(repr(exc)))


async def open_loop(port: int, requests: list, rate: float) -> dict:
    loop, clock = asyncio.get_running_loop(), time.perf_counter  # uvloop's loop.time() ticks in ms
    idle, opened, lag, results = [], [], [], [None] * len(requests)

    async def connection() -> Connection:
        while idle:
            if not (conn := idle.pop()).closed:
                return conn
        if sum(not c.closed for c in opened) >= MAX_CONNECTIONS:  # counted as an error, not queued
            raise OverflowError("client connection cap reached")
        transport, conn = await loop.create_connection(Connection, "127.0.0.1", port)
        conn.transport = transport
        opened.append(conn)
        return conn

    async def one(i: int, scheduled: float) -> None:
        try:
            conn = await connection()
            lag.append(clock() - scheduled)
            conn.waiting = loop.create_future()
            conn.transport.write(requests[i][1])
            status, retry_after = await conn.waiting
            idle.append(conn)
        except Exception as error:  # counted as an error, never retried
            status, retry_after = type(error).__name__, False
        results[i] = (status, retry_after, clock() - scheduled, clock() - start)

    start, tasks = clock() + 0.2, []
    for i in range(len(requests)):
        scheduled = start + i / rate
        if (delay := scheduled - clock()) > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(i, scheduled)))
    await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    for conn in opened:
        conn.transport.close()
    lag.sort()
    return {"results": [(pid, r or ("timeout", False, None, None)) for (pid, _), r in zip(requests, results)],
            "connections": len(opened), "send_lag_p99_ms": round(1000 * lag[int(0.99 * (len(lag) - 1))], 2)}


def prepare(tag: str, n: int) -> None:  # in the generator process, just before its phase
    REQUESTS[:] = presign(tag, n)  # (Stripe signatures expire after 5 min)


def send(port: int, rate: float) -> dict:  # in the generator process
    return uvloop.run(open_loop(port, REQUESTS, rate))


def ingress_processes(ingress_pid: int) -> list[psutil.Process]:
    """The ingress supervisor and its worker processes."""
    supervisor = psutil.Process(ingress_pid)
    return [supervisor, *supervisor.children(recursive=True)]


def cpu_seconds(ingress_pid: int, generator_pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) of each child process, by group, looked up afresh: backends come and go."""
    seconds = {"ingress": {}, "kafka": {}, "postgres": {}, "loadgen": {}}
    ingress_pids = {p.pid for p in ingress_processes(ingress_pid)}
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a postgres backend may have just exited
            name = "ingress" if child.pid in ingress_pids else {generator_pid: "loadgen"}.get(child.pid) or child.name()
            group = "kafka" if name == "java" else "postgres" if name.startswith("postgres") else name
            if group in seconds:
                seconds[group][child.pid] = sum(child.cpu_times()[:2])
    seconds["machine"] = {0: sum(t := psutil.cpu_times()) - t.idle - t.iowait}  # busy, all processes
    return seconds


def percentile(values: list[float], q: float) -> float | None:
    return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 2) if values else None


async def run_phase(pool, port, ingress, generator_pid, tag, rate, seconds) -> tuple[dict, list]:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(pool, prepare, tag, int(rate * seconds))
    load1 = round(os.getloadavg()[0], 2)
    before, started = cpu_seconds(ingress.pid, generator_pid), time.monotonic()
    out = await loop.run_in_executor(pool, send, port, rate)
    after, wall = cpu_seconds(ingress.pid, generator_pid), time.monotonic() - started
    cpu = {name: sum(after[name].values()) - sum(before[name].get(pid, 0) for pid in after[name]) for name in after}
    cpu["other"] = cpu["machine"] - sum(v for k, v in cpu.items() if k != "machine")  # incl. this process
    results = [r for _, r in out["results"]]
    statuses = collections.Counter(str(s) for s, *_ in results)
    ok, fast = (sorted(lat for s, _, lat, _ in results if s == code) for code in (200, 503))
    last_ok = max((done for s, _, _, done in results if s == 200), default=0)
    row = {"rate": rate, "seconds": seconds, "sent": len(results), "statuses": dict(statuses),
           "achieved_ok_per_s": round(len(ok) / max(last_ok, seconds), 1),
           "errors": len(results) - statuses.get("200", 0), "p50_ms": percentile(ok, 0.5),
           "p99_ms": percentile(ok, 0.99), "p999_ms": percentile(ok, 0.999), "max_ms": percentile(ok, 1.0),
           "503": len(fast), "503_with_retry_after": sum(1 for s, ra, *_ in results if s == 503 and ra),
           "503_p50_ms": percentile(fast, 0.5), "503_p99_ms": percentile(fast, 0.99), "load1_before": load1,
           "connections": out["connections"], "send_lag_p99_ms": out["send_lag_p99_ms"],
           "cpu_cores": {name: round(value / wall, 2) for name, value in cpu.items()}}
    print(json.dumps(row), flush=True)
    for _ in range(30):  # let ingress work off any backlog (publishes outlive their requests) first
        if await asyncio.to_thread(busy_percent, ingress.pid) < 5:
            break
    return row, out["results"]


def busy_percent(ingress_pid: int) -> float:
    """CPU % of ingress (all its processes) over the next second."""
    processes = ingress_processes(ingress_pid)
    before = sum(sum(p.cpu_times()[:2]) for p in processes)
    time.sleep(1.0)
    return 100 * (sum(sum(p.cpu_times()[:2]) for p in processes) - before)


async def start_ingress(infra, workers: int) -> tuple[subprocess.Popen, int]:
    for _ in range(50):  # test_infra waits for the port, not for "ready to accept connections"
        with contextlib.suppress(asyncpg.CannotConnectNowError):
            database = await create_database(infra, prefix="bench_ingress")
            break
        await asyncio.sleep(0.2)
    await asyncio.to_thread(upgrade_database, database)
    await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)
    port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers, "INGRESS_DATABASE_URL": database,
           "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "FORM_WEBHOOK_SECRET": "bench",
           "RESEND_WEBHOOK_SECRET": "whsec_YmVuY2gtcmVzZW5kLXNlY3JldA==",
           "PUBLIC_BASE_URL": PUBLIC_URL, "PORT": str(port), "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING",
           "INGRESS_WORKERS": str(workers)}
    server = subprocess.Popen([sys.executable, "-m", "ingress.main"], env=env)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return server, port
            await asyncio.sleep(0.1)
    server.terminate()
    raise RuntimeError("ingress did not become ready")


async def loss_check(bootstrap: str, answered: list) -> dict:
    """Every 200 has exactly one record; also count records of requests not answered 200."""
    records = collections.Counter()
    for topic in (STRIPE_WEBHOOKS.name, TWILIO_MESSAGES.name):
        for record in await read_all(bootstrap, topic, timeout=120):
            records[Envelope.from_bytes(record.value).payload["provider_id"]] += 1
    acked = collections.Counter(min(records[pid], 2) for pid, (status, *_) in answered if status == 200)
    ghosts = sum(1 for pid, (status, *_) in answered if status != 200 and records[pid])
    return {"acknowledged": acked.total(), "records": records.total(), "acknowledged_missing": acked[0],
            "acknowledged_duplicated": acked[2], "not_acknowledged_but_published": ghosts,
            "ok": acked[0] == acked[2] == 0}


async def main(args) -> None:
    deadline = time.monotonic() + args.wait_load  # another benchmark may be running
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        print(f"load1 {os.getloadavg()[0]:.2f} >= 1, waiting", flush=True)
        await asyncio.sleep(10)
    with test_infra() as infra:
        server, port = await start_ingress(infra, args.workers)
        try:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                phase = functools.partial(run_phase, pool, port, psutil.Process(server.pid),
                                          pool.submit(os.getpid).result())
                runs = [await phase("warm", 200, args.warm_seconds)] + [await phase(f"r{r}", r, args.seconds)
                                                                        for r in args.rates]
                phases = [row for row, _ in runs[1:]]
                good = [p["rate"] for p in phases if p["errors"] == 0 and p["p99_ms"] is not None
                        and p["p99_ms"] <= 50 and p["achieved_ok_per_s"] >= 0.95 * p["rate"]]
                runs.append(await phase("burst", 5 * max(good, default=args.rates[0]), args.burst_seconds))
            await asyncio.sleep(5)
            loss = await loss_check(infra.bootstrap_servers, [answer for _, results in runs for answer in results])
        finally:
            server.terminate()
            server.wait(60)
    report = {"command": "uv run python -m bench.ingress_webhooks " + " ".join(sys.argv[1:]),
              "machine": {"nproc": os.cpu_count(), "python": platform.python_version()}, "workers": args.workers,
              "phases": phases, "highest_sustained_rate": max(good, default=None), "burst": runs[-1][0], "loss_check": loss}
    out = Path(__file__).parent / "results" / f"ingress_webhooks-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps({"highest_sustained_rate": report["highest_sustained_rate"], "loss_check": loss}), out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=lambda s: [int(r) for r in s.split(",")], default="250,500,1000,1500,2000,3000")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--burst-seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2, help="ingress worker processes (INGRESS_WORKERS)")
    parser.add_argument("--warm-seconds", type=float, default=3,
                        help="warm-up at 200/s; Kafka's JIT needs ~15 s before its CPU per message settles")
    parser.add_argument("--wait-load", type=float, default=300, help="wait up to this long for load1 < 1")
    asyncio.run(main(parser.parse_args()))
