from __future__ import annotations

from dataclasses import dataclass, field

from revgen_common.consumer.inbox import INBOX_KEEP_SECONDS
from revgen_common.errors import Backoff


@dataclass
class ConsumerOptions:
    max_batch: int = 500  # records per poll, across partitions: a partition's batch is its share
    max_partitions_in_flight: int = 8
    poll_timeout_ms: int = 100
    max_attempts_for_unexpected_errors: int = 5
    backoff: Backoff = field(default_factory=Backoff)
    lag_refresh_seconds: float = 2.0
    max_concurrent_preparations: int = 64  # Staged.prepare calls at once, across partitions
    inbox_keep_seconds: float = INBOX_KEEP_SECONDS
