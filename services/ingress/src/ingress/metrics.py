"""Ingress's Prometheus metrics, one set for all worker processes.

With INGRESS_WORKERS > 1 the supervisor gives the workers a shared PROMETHEUS_MULTIPROC_DIR
before they start: each counts into its own files there, and a scrape of /metrics, answered
by whichever worker takes the connection, adds up every worker's (prometheus_client's
multiprocess mode). A single process keeps the default in-memory registry.
"""
import os
import re
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

WEBHOOKS = Counter("ingress_webhooks_total", "Webhooks answered, by source and outcome", ["source", "outcome"])
REJECTED = Counter("ingress_webhooks_rejected_total", "Webhooks refused, by reason", ["reason"])
PUBLISH_SECONDS = Histogram(
    "ingress_kafka_publish_seconds", "From handing a webhook to the producer to its acks=all",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
# livesum: the workers alive now, summed; a dead worker's requests are not in flight.
IN_FLIGHT = Gauge("ingress_requests_in_flight", "Requests being handled", multiprocess_mode="livesum")

_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db")


def scrape_registry() -> CollectorRegistry:
    """What /metrics shows: every worker's metrics when they share a directory, else this process's."""
    if not os.environ.get(MULTIPROC_DIR_VARIABLE):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def forget_dead_workers() -> None:
    """A worker that died (uvicorn starts another) leaves its live gauges' files behind."""
    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if not directory:
        return
    for path in Path(directory).glob("gauge_live*_*.db"):
        if (match := _LIVE_GAUGE_FILE.fullmatch(path.name)) and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
