"""`revgen-ingress` with INGRESS_WORKERS=2: both worker processes answer webhooks on the one
port, every scrape of /metrics counts both workers' webhooks, and stopping the supervisor
stops them."""
import asyncio
import contextlib
import os
import subprocess
import sys

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from ingress_testing import SECRETS, deliver, stripe_event
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_devstack import free_port

SECRET = SECRETS["stripe_webhook_secret"]


def worker_holding(workers: list[psutil.Process], port: int, local_port: int) -> psutil.Process | None:
    """The worker that accepted the client connection from `local_port`."""
    for worker in workers:
        for connection in worker.net_connections("tcp"):
            if connection.laddr.port == port and connection.raddr and connection.raddr.port == local_port:
                return worker
    return None


def accepted_stripe_webhooks(exposition: str) -> float:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "ingress_webhooks_total" and sample.labels == {"source": "stripe", "outcome": "accepted"}:
                return sample.value
    return 0.0


async def test_two_workers_answer_on_one_port_share_their_metrics_and_stop_with_the_supervisor(infra, all_topics,
                                                                                                ingress_db):
    port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap_servers, "INGRESS_DATABASE_URL": ingress_db,
           "PUBLIC_BASE_URL": "https://hooks.revgen.example", "PORT": str(port), "INGRESS_WORKERS": "2",
           **{name.upper(): value for name, value in SECRETS.items()}}
    supervisor = subprocess.Popen([sys.executable, "-m", "ingress.main"], env=env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as probe:
            for _ in range(300):
                assert supervisor.poll() is None
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        workers = [child for child in psutil.Process(supervisor.pid).children()
                   if "spawn_main" in " ".join(child.cmdline())]
        assert len(workers) == 2
        served_by: dict[int, int] = {}
        sent = 0
        for _ in range(60):  # new connections, until each worker has accepted some and answered on them
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                body = stripe_event()
                response = await deliver(client, body, stripe_signature_header(body, [SECRET]))
                assert response.status_code == 200
                sent += 1
                local_port = next(c.laddr.port for c in psutil.Process().net_connections("tcp")
                                  if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED)
                if (worker := worker_holding(workers, port, local_port)) is not None:
                    served_by[worker.pid] = served_by.get(worker.pid, 0) + 1
            if len(served_by) == 2:
                break
        assert len(served_by) == 2, f"answers by worker pid: {served_by}"
        scraped_by: set[int] = set()
        for _ in range(60):  # new connections, until each worker has answered a scrape
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                exposition = (await client.get("/metrics/")).text
                assert accepted_stripe_webhooks(exposition) == sent  # both workers' count, never one's share
                local_port = next(c.laddr.port for c in psutil.Process().net_connections("tcp")
                                  if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED)
                if (worker := worker_holding(workers, port, local_port)) is not None:
                    scraped_by.add(worker.pid)
            if len(scraped_by) == 2:
                break
        assert len(scraped_by) == 2
    finally:
        supervisor.terminate()
        supervisor.wait(60)
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
