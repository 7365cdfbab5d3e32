"""Prometheus metrics of the runtime, one set per process (scraped at /metrics)."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "revgen_events_consumed_total", "Messages taken from Kafka by a consumer, by outcome",
    ["consumer", "topic", "outcome"],  # applied | duplicate | ignored | dead_lettered
)
EVENTS_PRODUCED = Counter("revgen_events_produced_total", "Messages published to Kafka", ["producer", "topic"])
HANDLER_SECONDS = Histogram(
    "revgen_handler_seconds", "Time to apply one batch (handlers + inbox + outbox + commit)", ["consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RETRIES = Counter("revgen_retries_total", "Transient failures that paused a partition", ["consumer", "topic"])
DEFERRALS = Counter("revgen_deferrals_total", "Messages our own pacing told to wait (NotYet), not failures",
                    ["consumer", "topic"])
DEAD_LETTERS = Counter("revgen_dead_letters_total", "Messages sent to the dead-letter topic", ["consumer", "topic"])
OUTBOX_BACKLOG = Gauge("revgen_outbox_backlog", "Outbox rows not yet published", ["relay"])
OUTBOX_PARKED = Gauge("revgen_outbox_parked", "Outbox rows Kafka refused for good, waiting for an operator", ["relay"])
OUTBOX_OLDEST_SECONDS = Gauge("revgen_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["relay"])
# As seen by the member holding the partition, so absent while the group is down: the lag
# to alert on is kafka_consumergroup_lag, measured from outside by revgen-lag-exporter.
CONSUMER_LAG = Gauge(
    "revgen_consumer_lag", "Messages between the member's last commit and the partition's high watermark",
    ["consumergroup", "topic", "partition"],
)
PAUSED_PARTITIONS = Gauge("revgen_paused_partitions", "Partitions paused for backpressure or retry", ["consumer"])

