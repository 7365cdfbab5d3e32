"""Pages and API lists through the gateway with 1,000 clients and 10,000 leads: p50/p95 per
page, and optionally the ingress webhook benchmark run side by side with that load.

    uv run python -m bench.gateway_pages [--requests 200] [--concurrency 4] [--clients 1000] [--leads 10000]
                                         [--with-ingress "--rates 500,1000 --seconds 10"] [--ingress-cpus 0]

Real broker + PostgreSQL (test_infra) and the whole test system of the gateway
(services/gateway/tests/gateway_testing.py: identity, billing, messaging, escalation, ingress,
the gateway, the provider fakes, in this process). Seeded by SQL: one agency whose owner sees
1,000 clients; client A has 10,000 leads, each with an inbound and an outbound message, and
50 open escalations. Each page is asked `--requests` times by `--concurrency` workers as the
agency owner (a cookie, as a browser; the API with a bearer token); deep pages use the keyset
cursor of the 100th page (leads) or the 10th (clients), so "page 1,000 as fast as page 1"
shows. With --with-ingress, bench.ingress_webhooks runs as its own process (its own broker
and database) while this load runs, and its report lines are printed after ours.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "gateway" / "tests"))

from sqlalchemy import text  # noqa: E402

from gateway_testing import log_in, running_system  # noqa: E402
from identity.service_layer.tenants import Tenants  # noqa: E402
from revgen_common.pagination import encode_cursor  # noqa: E402
from revgen_common.testing.clock import FakeClock  # noqa: E402
from revgen_common.topics import ALL_TOPICS, ensure_topics  # noqa: E402
from revgen_devstack.testing import create_database, test_infra  # noqa: E402


async def migrated(infra):
    async def make(prefix, upgrade):
        url = await create_database(infra, prefix=f"bench_{prefix}")
        await asyncio.to_thread(upgrade, url)
        return url
    return make


async def seed(system, clients: int, leads: int) -> dict:
    tenants = Tenants(system.engines["identity"], system.clock)
    owner_phone = "+14155559000"
    agency, owner = await tenants.create_agency("Bench Agency", owner_phone, "Bea Bench")
    async with system.engines["identity"].begin() as db:
        await db.execute(text("""INSERT INTO clients (id, agency_id, name)
                                 SELECT gen_random_uuid(), :a, 'Client ' || lpad(n::text, 5, '0')
                                 FROM generate_series(1, :n) n"""), {"a": agency, "n": clients - 1})
    a = await tenants.create_client(owner, agency, "Alpha Bench")
    start = system.clock() - timedelta(days=30)
    async with system.engines["messaging"].begin() as db:
        await db.execute(text("INSERT INTO profiles (client_id, business_name) VALUES (:c, 'Alpha Bench') "
                              "ON CONFLICT DO NOTHING"), {"c": a["id"]})
        await db.execute(text("""
            INSERT INTO leads (id, client_id, phone, source, created_at, answered_at)
            SELECT gen_random_uuid(), :c, '+1555' || lpad(n::text, 7, '0'), 'sms',
                   CAST(:start AS timestamptz) + n * interval '2 minutes',
                   CAST(:start AS timestamptz) + n * interval '2 minutes' + interval '4 seconds'
            FROM generate_series(1, :n) n"""), {"c": a["id"], "n": leads, "start": start})
        await db.execute(text("""
            INSERT INTO messages (client_id, lead_id, direction, body, created_at)
            SELECT :c, l.id, d.direction, d.body, l.created_at FROM leads l
            CROSS JOIN (VALUES ('in', 'Do you fix boilers?'), ('out', 'We do! When suits you?')) d(direction, body)
            WHERE l.client_id = :c"""), {"c": a["id"]})
        lead = (await db.execute(text("SELECT id, created_at FROM leads WHERE client_id = :c "
                                      "ORDER BY created_at DESC, id DESC OFFSET 4950 LIMIT 1"), {"c": a["id"]})).one()
        one = await db.scalar(text("SELECT id FROM leads WHERE client_id = :c LIMIT 1"), {"c": a["id"]})
    async with system.engines["escalation"].begin() as db:
        await db.execute(text("""
            INSERT INTO escalations (id, request_id, client_id, lead_phone, reason, status, next_step_at, created_at)
            SELECT gen_random_uuid(), 'bench-' || n, :c, '+1555' || lpad(n::text, 7, '0'), 'the lead asked for a person',
                   'pending', now() + interval '1 day', CAST(:start AS timestamptz) + n * interval '1 minute'
            FROM generate_series(1, 50) n"""), {"c": a["id"], "start": start})
    async with system.engines["identity"].connect() as db:
        tenth = (await db.execute(text("SELECT name, id FROM clients WHERE agency_id = :a AND deleted_at IS NULL "
                                       "ORDER BY name, id OFFSET 499 LIMIT 1"), {"a": agency})).one()
    return {"phone": owner_phone, "client": a["id"], "lead": str(one),
            "leads_deep": encode_cursor(lead.created_at.isoformat(), str(lead.id)),
            "clients_deep": encode_cursor(tenth.name, str(tenth.id))}


REFUSED: Counter[str] = Counter()  # non-200 answers per page: counted, not fatal (a 503 under load is an answer)


async def measure(system, headers: dict, path: str, requests: int, concurrency: int) -> list[float]:
    times: list[float] = []
    queue = iter(range(requests))

    async def worker():
        for _ in queue:
            began = time.perf_counter()
            answer = await system.api.get(path, headers=headers)
            times.append(time.perf_counter() - began)
            if answer.status_code != 200:
                REFUSED[f"{path.split('?')[0][-40:]} {answer.status_code}"] += 1
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(p * (len(values) - 1))))] * 1000


async def main(args) -> None:
    with test_infra() as infra:
        await ensure_topics(infra.bootstrap_servers, ALL_TOPICS)
        async with running_system(infra, await migrated(infra), FakeClock()) as system:
            s = await seed(system, args.clients, args.leads)
            token = await log_in(system, s["phone"])
            cookie, bearer = {"Cookie": f"revgen_session={token}"}, {"Authorization": f"Bearer {token}"}
            c = s["client"]
            pages = [
                ("page /clients (1 of 20)", cookie, "/clients"),
                ("page /clients page 10 (cursor)", cookie, f"/clients?cursor={s['clients_deep']}"),
                ("page /clients?q=0999", cookie, "/clients?q=0999"),
                ("page leads (1 of 200)", cookie, f"/clients/{c}/leads"),
                ("page leads page 100 (cursor)", cookie, f"/clients/{c}/leads?cursor={s['leads_deep']}"),
                ("page conversation", cookie, f"/clients/{c}/leads/{s['lead']}"),
                ("page escalations (50 open)", cookie, f"/clients/{c}/escalations"),
                ("page reports (7 days)", cookie, f"/clients/{c}/reports"),
                ("api /clients", bearer, "/api/v1/clients?limit=100"),
                ("api leads", bearer, f"/api/v1/clients/{c}/leads?limit=100"),
                ("api leads page 100 (cursor)", bearer, f"/api/v1/clients/{c}/leads?limit=50&cursor={s['leads_deep']}"),
                ("api conversation", bearer, f"/api/v1/clients/{c}/leads/{s['lead']}/messages"),
            ]
            ingress = None
            if args.with_ingress:
                # Pinned apart (--ingress-cpus) the two share no core: the comparison ADR 0009 relies on.
                pinned = ["taskset", "-c", args.ingress_cpus] if args.ingress_cpus else []
                ingress = subprocess.Popen([*pinned, sys.executable, "-m", "bench.ingress_webhooks",
                                            *args.with_ingress.split()],
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            rounds = 0
            results: dict[str, list[float]] = {name: [] for name, _, _ in pages}
            while True:
                for name, headers, path in pages:
                    results[name] += await measure(system, headers, path, args.requests, args.concurrency)
                rounds += 1
                if ingress is None or ingress.poll() is not None:
                    break
            print(f"\n{args.clients} clients, {args.leads} leads; {rounds} round(s) of {args.requests} requests per page, "
                  f"{args.concurrency} at a time\n")
            print("| page | requests | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
            for name, values in results.items():
                print(f"| {name} | {len(values)} | {statistics.median(values) * 1000:.1f} | {pct(values, 0.95):.1f} | "
                      f"{max(values) * 1000:.1f} |")
            if REFUSED:
                print(f"\nanswers other than 200 (in the times above): {dict(REFUSED)}")
            if ingress is not None:
                print("\n--- bench.ingress_webhooks, run while the gateway was loaded ---")
                print(ingress.communicate()[0])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=10000)
    parser.add_argument("--with-ingress", default="", help="arguments for bench.ingress_webhooks, run alongside")
    parser.add_argument("--ingress-cpus", default="",
                        help="run that ingress benchmark under `taskset -c` these CPUs (pin this process elsewhere)")
    asyncio.run(main(parser.parse_args()))
