"""The system the messaging benchmark drives, as Twilio and leads would: a broker and
PostgreSQL of its own, ingress (one worker) and messaging as processes, the Twilio and OpenAI
fakes in the bench's own process (so webhook send times and Twilio arrival times share one
clock), signed webhooks sent open-loop over keep-alive connections, and the machine's load.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import psutil

from bench.ingress_webhooks import Connection
from ingress.migrate import upgrade_database as upgrade_ingress
from messaging.migrate import upgrade_database as upgrade_messaging
from revgen_common.internal_api import internal_headers
from revgen_common.testing.provider_signatures import twilio_signature
from revgen_common.topics import ALL_TOPICS, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.testing import create_database, serve_app
from revgen_fakes import openai as openai_fake
from revgen_fakes import twilio as twilio_fake

TWILIO_TOKEN, PUBLIC_URL, SMS_PATH = "bench-twilio-token-7d2e", "https://hooks.revgen.example", "/webhooks/twilio/sms"
API_TOKEN = "bench-internal-api-token-3c9e"  # messaging's own API, as the gateway calls it
COMPLETIONS = "/v1/chat/completions"


class Arrivals:
    """Each message's arrival at the Twilio fake, by recipient: (monotonic time, body)."""

    def __init__(self, state: twilio_fake.TwilioState):
        self.to: dict[str, list[tuple[float, str]]] = {}
        accept = state.accept

        def timed(message):
            self.to.setdefault(message.to, []).append((time.monotonic(), message.body))
            return accept(message)

        state.accept = timed

    def first(self, phone: str) -> tuple[float, str] | None:
        return self.to.get(phone, [None])[0]

    def answered(self, phones) -> int:
        return sum(1 for p in phones if p in self.to)

    def duplicates(self, phones) -> int:
        return sum(len(self.to.get(p, ())) - 1 for p in phones if p in self.to)


def sms_webhook(to: str, lead: str, body: str) -> bytes:
    """A Twilio inbound-SMS webhook, signed as Twilio signs it, as raw HTTP/1.1 bytes."""
    params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "ACbench", "From": lead, "To": to, "Body": body}
    payload = urlencode(params).encode()
    head = (f"POST {SMS_PATH} HTTP/1.1\r\nHost: ingress\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {twilio_signature(TWILIO_TOKEN, PUBLIC_URL + SMS_PATH, params)}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


async def send_open_loop(port: int, requests: list[bytes], rate: float, start_in: float = 0.3) -> tuple[list[float], list]:
    """Sends each request at its scheduled time whatever the answers (no coordinated
    omission); returns the schedule (monotonic) and each answer's status."""
    loop, idle, statuses = asyncio.get_running_loop(), [], [None] * len(requests)

    async def one(i: int) -> None:
        conn = None
        while idle and conn is None:
            conn = idle.pop()
            conn = None if conn.closed else conn
        if conn is None:
            transport, conn = await loop.create_connection(Connection, "127.0.0.1", port)
            conn.transport = transport
        try:
            conn.waiting = loop.create_future()
            conn.transport.write(requests[i])
            statuses[i] = (await conn.waiting)[0]
            idle.append(conn)
        except Exception as error:  # counted, never retried
            statuses[i] = type(error).__name__

    start = time.monotonic() + start_in
    schedule = [start + i / rate if rate else start for i in range(len(requests))]
    tasks = []
    for i, at in enumerate(schedule):
        if (delay := at - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(i)))
    await asyncio.gather(*tasks)
    return schedule, statuses


# CPU seconds of our processes that are gone (a killed messaging), by pid: still ours.
DEPARTED: dict[int, tuple[str, float]] = {}


@dataclass
class Load:
    """CPU of the machine, of each part of the system under test, and of everyone else."""
    started: float = field(default_factory=time.monotonic)
    machine: float = field(default_factory=lambda: _busy(psutil.cpu_times()))
    ours: dict[int, tuple[str, float]] = field(default_factory=lambda: _our_cpu())
    loadavg_before: tuple = field(default_factory=os.getloadavg)

    def report(self, leads: int | None = None) -> dict:
        """Cores used over the phase; with `leads`, also each part's CPU milliseconds per
        lead, a figure the other engineers' load on the box does not change."""
        seconds = time.monotonic() - self.started
        machine = _busy(psutil.cpu_times()) - self.machine
        now = {**{pid: cpu for pid, cpu in DEPARTED.items() if pid in self.ours}, **_our_cpu()}
        parts: dict[str, float] = {}
        for pid, (part, cpu) in now.items():
            parts[part] = parts.get(part, 0.0) + cpu - self.ours.get(pid, (part, 0.0))[1]
        ours = sum(parts.values())
        return {"seconds": round(seconds, 1), "cores_busy": round(machine / seconds, 2),
                "cores_ours": round(ours / seconds, 2), "cores_others": round(max(0.0, machine - ours) / seconds, 2),
                "cores_by_part": {part: round(cpu / seconds, 2) for part, cpu in sorted(parts.items())},
                **({"cpu_ms_per_lead": {part: round(1000 * cpu / leads, 2) for part, cpu in sorted(parts.items())}}
                   if leads else {}),
                "loadavg_before": [round(x, 2) for x in self.loadavg_before],
                "loadavg_after": [round(x, 2) for x in os.getloadavg()]}


def _busy(times) -> float:
    return times.user + times.nice + times.system + getattr(times, "irq", 0) + getattr(times, "softirq", 0)


def _our_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds of this process and its descendants (the broker, PostgreSQL, ingress and
    its worker, messaging), by pid, with the part each belongs to."""
    me, found = psutil.Process(), {}
    for process in [me, *me.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            found[process.pid] = (_part(process, me), times.user + times.system)
    return found


def _part(process: psutil.Process, me: psutil.Process) -> str:
    if process.pid == me.pid:
        return "bench (fakes, webhooks)"
    if process.name() == "java":
        return "kafka"
    if process.name().startswith("postgres"):
        return "postgresql"
    for ancestor in [process, *process.parents()]:
        command = " ".join(ancestor.cmdline())
        if "messaging.sender_main" in command:
            return "messaging-sender"
        for service in ("messaging", "ingress"):
            if f"{service}.main" in command:
                return service
    return "other"


class System:
    def __init__(self, infra, env: dict[str, str], sender_in_own_process: bool = True):
        self.infra, self.env = infra, env
        self.sender_in_own_process = sender_in_own_process  # as ./dev up runs it (ADR 0017)
        self.sender: subprocess.Popen | None = None
        self.twilio = twilio_fake.TwilioState(send_callbacks=False)
        self.arrivals = Arrivals(self.twilio)
        self.ai = openai_fake.OpenAIState(api_keys={"sk-bench"}, responder=lambda m: "answer to " + m[-1]["content"])
        self.twilio_app, self.ai_app = twilio_fake.faulty_app(self.twilio), openai_fake.faulty_app(self.ai)
        self.messaging: subprocess.Popen | None = None
        self.ingress: subprocess.Popen | None = None
        self.messaging_port = self.ingress_port = 0
        self.messaging_url = self.ingress_url = ""

    @contextlib.asynccontextmanager
    async def running(self):
        await ensure_topics(self.infra.bootstrap_servers, ALL_TOPICS)
        self.messaging_url = await create_database(self.infra, "messaging_bench")
        self.ingress_url = await create_database(self.infra, "ingress_bench")
        await asyncio.to_thread(upgrade_messaging, self.messaging_url)
        await asyncio.to_thread(upgrade_ingress, self.ingress_url)
        twilio_port, ai_port, sink_port = free_port(), free_port(), free_port()
        self.env.update({"TWILIO_API_BASE": f"http://127.0.0.1:{twilio_port}",
                         "OPENAI_BASE_URL": f"http://127.0.0.1:{ai_port}/v1",
                         "STATUS_CALLBACK_URL": f"http://127.0.0.1:{sink_port}/webhooks/twilio/status"})
        async with serve_app(self.twilio_app, twilio_port), serve_app(self.ai_app, ai_port), \
                serve_app(_status_sink, sink_port):
            self.ingress_port = free_port()
            self.ingress = await _start(
                "ingress.main", self.ingress_port,
                {"KAFKA_BOOTSTRAP_SERVERS": self.infra.bootstrap_servers, "INGRESS_DATABASE_URL": self.ingress_url,
                 "STRIPE_WEBHOOK_SECRET": "whsec_bench_4f1a9c", "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                 "FORM_WEBHOOK_SECRET": "bench-form-secret", "RESEND_WEBHOOK_SECRET": "whsec_YmVuY2gtcmVzZW5kLXNlY3JldA==",
                 "PUBLIC_BASE_URL": PUBLIC_URL, "INGRESS_WORKERS": "1"})
            self.messaging_port = free_port()
            try:  # ingress is stopped even when messaging never becomes ready
                await self.start_messaging()
                if self.sender_in_own_process:
                    self.sender = await _start("messaging.sender_main", free_port(), self._messaging_env())
                yield self
            finally:
                for process in (self.messaging, self.sender, self.ingress):
                    if process is not None:
                        process.terminate()
                        process.wait(30)

    async def start_messaging(self) -> float:
        """Starts messaging; returns the seconds it took to answer /readyz."""
        started = time.monotonic()
        self.messaging = await _start("messaging.main", self.messaging_port, self._messaging_env())
        return time.monotonic() - started

    def _messaging_env(self) -> dict[str, str]:
        return {"KAFKA_BOOTSTRAP_SERVERS": self.infra.bootstrap_servers, "MESSAGING_DATABASE_URL": self.messaging_url,
                "TWILIO_ACCOUNT_SID": self.twilio.account_sid, "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
                "PLATFORM_NUMBER": "+15005550006", "OPENAI_API_KEY": "sk-bench", "MESSAGING_API_TOKEN": API_TOKEN,
                "RESEND_API_KEY": "re_bench", "RESEND_API_BASE": "http://127.0.0.1:9", "EMAIL_FROM": "RevGen <b@bench.example>",
                "SENDER_IN_OWN_PROCESS": str(self.sender_in_own_process).lower(), **self.env}

    def kill_messaging(self) -> None:
        times = psutil.Process(self.messaging.pid).cpu_times()
        DEPARTED[self.messaging.pid] = ("messaging", times.user + times.system)
        self.messaging.kill()  # SIGKILL: no drain, no commit, no LeaveGroup
        self.messaging.wait(30)

    def messaging_api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.messaging_port}", timeout=60,
                                 headers=internal_headers(API_TOKEN))

    def messaging_cpu(self) -> float:
        """CPU seconds of messaging's processes (its sender's too, when it has its own)."""
        total = 0.0
        for process in (self.messaging, self.sender):
            if process is not None:
                times = psutil.Process(process.pid).cpu_times()
                total += times.user + times.system
        return total

    async def add_clients(self, clients: int, numbers_each: int, first: int = 0) -> list[str]:
        """Clients with numbers and no quiet hours; returns every number."""
        numbers = []
        async with self.messaging_api() as http:
            for c in range(first, first + clients):
                owned = [f"+1415{200 + c:03d}{n:04d}" for n in range(numbers_each)]
                profile = {"business_name": f"Client {c}", "numbers": owned, "quiet_start": "00:00",
                           "quiet_end": "00:00", "monthly_limit": 1_000_000}
                (await http.put(f"/clients/bench-{c}/profile", json=profile)).raise_for_status()
                numbers += owned
        return numbers


async def _start(module: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    # BENCH_PYTHON runs the services from another checkout's environment (the code before a
    # change), driven by this same benchmark.
    python = os.environ.get("BENCH_PYTHON", sys.executable)
    process = subprocess.Popen([python, "-m", module],
                               env={**os.environ, **env, "PORT": str(port), "LOG_LEVEL": "WARNING"})
    deadline = time.monotonic() + 120  # a start-up on a box loaded by others took over 30 s
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/readyz")).status_code == 200:
                    return process
            if process.poll() is not None:
                break
            await asyncio.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{module} did not become ready")


async def _status_sink(scope, receive, send) -> None:
    """Where status callbacks would go (none are sent: ingress's leg is its own benchmark)."""
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
