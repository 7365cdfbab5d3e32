"""`revgen-lag-exporter`: consumer lag for Prometheus, measured from outside the consumers.

Every `INTERVAL_SECONDS` it reads every group's lag from the brokers (revgen_ops.lag) and
serves it on PORT's /metrics: a group that is down, or never started, still has series,
and its status turns STOP. The services' own /metrics keep their outbox, dead-letter and
retry series; this adds the lag nobody inside a stopped group can report.
"""
from __future__ import annotations

import asyncio
import logging
import signal

from prometheus_client import Counter, Gauge, start_http_server
from pydantic import Field

from revgen_common import ServiceSettings, load_settings
from revgen_common.clock import Clock, system_clock
from revgen_common.logs import configure_logging
from revgen_ops.lag import GroupLag, observe
from revgen_ops.lag_rules import Window

log = logging.getLogger(__name__)
PARTITION_LABELS = ["consumergroup", "topic", "partition"]

LAG = Gauge("kafka_consumergroup_lag", "Messages the group has not committed past, read from the brokers",
            PARTITION_LABELS)
LAG_SECONDS = Gauge("kafka_consumergroup_lag_seconds",
                    "Age of the oldest message the group has not committed past (0 when caught up)", PARTITION_LABELS)
STATUS = Gauge("kafka_consumergroup_status",
               "Partition status over the evaluation window: 0 OK, 1 WARN, 2 REWIND, 3 STALL, 4 STOP, 5 ERR "
               "(docs/operations/lag.md)", PARTITION_LABELS)
MEMBERS = Gauge("kafka_consumergroup_members", "Active members of the group", ["consumergroup"])
ROUNDS = Counter("revgen_lag_exporter_rounds_total", "Lag readings, by outcome", ["outcome"])
LAST_SUCCESS = Gauge("revgen_lag_exporter_last_success_timestamp_seconds", "When the last reading succeeded")


class LagExporterSettings(ServiceSettings):
    port: int = Field(default=8089, ge=1, le=65535)
    host: str = "0.0.0.0"
    interval_seconds: float = Field(default=15.0, gt=0)
    window_seconds: float = Field(default=300.0, gt=0)  # the evaluation window of the lag rules


class Exporter:
    def __init__(self, bootstrap_servers: str, window: Window, groups: list[str] | None = None,
                 clock: Clock = system_clock):
        self.bootstrap_servers = bootstrap_servers
        self.window = window
        self.groups = groups
        self.clock = clock
        self._exported: set[tuple[str, str, str]] = set()

    async def read_once(self) -> list[GroupLag]:
        try:
            observed = await observe(self.bootstrap_servers, self.groups, self.window, self.clock)
        except Exception:
            ROUNDS.labels("failed").inc()  # the last values stay; the alert on staleness says so
            raise
        self.publish(observed)
        ROUNDS.labels("ok").inc()
        LAST_SUCCESS.set_to_current_time()
        return observed

    def publish(self, observed: list[GroupLag]) -> None:
        current = set()
        for group in observed:
            MEMBERS.labels(group.group).set(len(group.members))
            for p in group.partitions:
                labels = (group.group, p.topic, str(p.partition))
                current.add(labels)
                LAG.labels(*labels).set(p.lag)
                LAG_SECONDS.labels(*labels).set(p.lag_seconds)
                STATUS.labels(*labels).set(int(p.status))
        for gone in self._exported - current:  # a deleted group or topic: its series end
            for gauge in (LAG, LAG_SECONDS, STATUS):
                gauge.remove(*gone)
        self._exported = current

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                await self.read_once()
            except Exception as error:
                log.warning("reading consumer lag failed: %r", error)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass


def main() -> None:
    settings = load_settings(LagExporterSettings)
    configure_logging(settings.log_level)
    start_http_server(settings.port, addr=settings.host)
    log.info("lag exporter on :%d, reading every %.0fs", settings.port, settings.interval_seconds)

    async def run() -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        exporter = Exporter(settings.kafka_bootstrap_servers, Window(seconds=settings.window_seconds))
        await exporter.run(stop, settings.interval_seconds)

    asyncio.run(run())


if __name__ == "__main__":
    main()
