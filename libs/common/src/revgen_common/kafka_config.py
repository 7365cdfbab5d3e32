"""Kafka client settings, pinned in one place.

aiokafka's defaults are the opposite of what exactly-once needs on every point
(auto-commit on, `latest` for new groups, read_uncommitted, no idempotence), so no
consumer or producer in RevGen is built from the defaults: they are built from here.
"""
from __future__ import annotations

from typing import Any

from revgen_common.topics import MAX_MESSAGE_BYTES


def consumer_config(bootstrap_servers: str, group_id: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "group_id": group_id,
        "enable_auto_commit": False,  # offsets are committed only after the DB commit
        "auto_offset_reset": "earliest",  # a new group must not skip what was already published
        "isolation_level": "read_committed",  # never see aborted transactional writes
        "max_partition_fetch_bytes": MAX_MESSAGE_BYTES,
        "fetch_max_bytes": 16 * MAX_MESSAGE_BYTES,
        "session_timeout_ms": 30_000,
        "heartbeat_interval_ms": 3_000,
        "max_poll_interval_ms": 300_000,
    }
    config.update(overrides)
    return config


def producer_config(bootstrap_servers: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "enable_idempotence": True,  # broker drops retried duplicates of a batch
        "acks": "all",
        "max_request_size": MAX_MESSAGE_BYTES + 64 * 1024,
        "linger_ms": 2,
        "request_timeout_ms": 30_000,
    }
    config.update(overrides)
    return config


def transactional_producer_config(bootstrap_servers: str, transactional_id: str, **overrides: Any) -> dict[str, Any]:
    return producer_config(bootstrap_servers, transactional_id=transactional_id, **overrides)
