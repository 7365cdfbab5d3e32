"""The TwiML answer time of an incoming call: Twilio's POST to voice's
/twilio/voice/incoming until the whole TwiML document is back.

    uv run python -m bench.voice_answers [--rates 10,25,50,100] [--seconds 10]

Real broker + PostgreSQL (test_infra), a fresh migrated database, voice as its own process
(`python -m voice.main`, uvicorn) and the ElevenLabs fake as another. Two clients are told to
voice through Kafka as in production (BusinessHoursSet with their numbers, MemberAdded for
a team of three): one open all day (every call rings the business line and the team: a
<Dial>), one closed all day (the greeting, already synthesised: <Play> and <Record>). The
load is open-loop: signed incoming-call webhooks (each a new CallSid, half to each client)
sent at their scheduled times whatever the answers, each timed from its scheduled time.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import subprocess
import sys
import time
import uuid

import httpx

from revgen_common.contracts.identity import MemberAdded
from revgen_common.contracts.messaging import BusinessHoursSet
from revgen_common.envelope import Envelope
from revgen_common.topics import ALL_TOPICS, IDENTITY_EVENTS, MESSAGING_EVENTS, ensure_topics
from revgen_devstack import free_port
from revgen_devstack.testing import create_database, test_infra
from revgen_fakes.twilio.webhooks import signed
from revgen_testing.kafka_io import publish
from voice.migrate import upgrade_database

TOKEN, KEY, API_TOKEN = "bench-twilio-token-5c1d", "el-bench-key-8b2f", "bench-voice-api-token-3e9a"
ALWAYS_OPEN = {day: [("00:00", "00:00")] for day in range(7)}
NEVER_OPEN: dict[int, list[tuple[str, str]]] = {day: [] for day in range(7)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def start(infra) -> tuple[list[subprocess.Popen], str]:
    database = await create_database(infra, prefix="bench_voice")
    await asyncio.to_thread(upgrade_database, database)
    await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)
    port, fake_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers, "VOICE_DATABASE_URL": database,
           "VOICE_API_TOKEN": API_TOKEN, "TWILIO_AUTH_TOKEN": TOKEN, "ELEVENLABS_API_KEY": KEY,
           "ELEVENLABS_BASE_URL": f"http://127.0.0.1:{fake_port}", "PUBLIC_BASE_URL": base, "PORT": str(port),
           # required, unused here: no call reaches the AI voice or leaves a voicemail
           "OPENAI_API_KEY": "sk-bench-unused", "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
           "LOG_LEVEL": "WARNING"}
    processes = [subprocess.Popen([sys.executable, "-m", "revgen_fakes.elevenlabs", "--port", str(fake_port)], env=env),
                 subprocess.Popen([sys.executable, "-m", "voice.main"], env=env)]
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return processes, base
            await asyncio.sleep(0.1)
    raise RuntimeError("voice did not become ready")


async def clients(infra, base: str) -> list[str]:
    """Two clients' numbers, once voice's read model knows them and the greeting is cached."""
    numbers = []
    for hours in (ALWAYS_OPEN, NEVER_OPEN):
        client_id, number = f"bench-{uuid.uuid4().hex[:8]}", f"+1555{uuid.uuid4().int % 10**7:07d}"
        await publish(infra.bootstrap_servers, MESSAGING_EVENTS.name, [Envelope.of(BusinessHoursSet(
            client_id=client_id, timezone="America/New_York", hours=hours, numbers=[number]), "messaging")])
        await publish(infra.bootstrap_servers, IDENTITY_EVENTS.name, [Envelope.of(MemberAdded(
            client_id=client_id, person_id=f"p{i}", role="client_member", name=f"Tech {i}",
            phone=f"+1666{uuid.uuid4().int % 10**7:07d}"), "identity") for i in range(3)])
        async with httpx.AsyncClient(base_url=base, headers={"X-Internal-Token": API_TOKEN}) as api:
            (await api.put(f"/clients/{client_id}/voice-settings", json={
                "greeting": "Thanks for calling. Please leave a message.", "business_phone": "+15557770000"}
            )).raise_for_status()
        numbers.append(number)
    expected = ("<Dial", "<Play>")
    async with httpx.AsyncClient() as http:
        for number, wanted in zip(numbers, expected):  # until the read model and the greeting are in place
            for _ in range(600):
                answer = await call(http, base, number)
                if wanted in answer[2]:
                    break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{number} never answered with {wanted}")
    return numbers


async def call(http: httpx.AsyncClient, base: str, number: str) -> tuple[int, float, str]:
    url = f"{base}/twilio/voice/incoming"
    params, headers = signed(url, {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                                   "From": f"+1212{uuid.uuid4().int % 10**7:07d}", "To": number,
                                   "CallStatus": "ringing", "Direction": "inbound"}, TOKEN)
    started = time.perf_counter()
    response = await http.post(url, data=params, headers=headers)
    return response.status_code, time.perf_counter() - started, response.text


async def phase(base: str, numbers: list[str], rate: int, seconds: float) -> dict:
    """Open loop: request i is due at i/rate; its time counts from then."""
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200), timeout=30) as http:
        start = time.perf_counter()
        results: list[tuple[int, float]] = []

        async def one(i: int) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            status, _, _ = await call(http, base, numbers[i % 2])
            results.append((status, time.perf_counter() - due))

        await asyncio.gather(*(one(i) for i in range(int(rate * seconds))))
    latencies = [seconds * 1000 for _, seconds in results]
    return {"rate": rate, "sent": len(results), "non_200": sum(status != 200 for status, _ in results),
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99), "max_ms": max(latencies)}


async def main(rates: list[int], seconds: float) -> None:
    with test_infra() as infra:
        processes, base = await start(infra)
        try:
            numbers = await clients(infra, base)
            print(f"# {platform.node()} {os.cpu_count()} cores; load before: {os.getloadavg()}")
            for rate in rates:
                await phase(base, numbers, rate, 2)  # warm-up
                result = await phase(base, numbers, rate, seconds)
                print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()),
                      f"load={os.getloadavg()[0]:.2f}", flush=True)
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", default="10,25,50,100")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(main([int(r) for r in args.rates.split(",")], args.seconds))
