"""Helpers for revgen_ops tests (on the test path)."""
from __future__ import annotations

from datetime import UTC, datetime


def brokers_now() -> datetime:
    """Now as the brokers see it. Lag is judged against the times Kafka stamped on records
    and offset commits, so a test's clock starts here and is moved from here."""
    return datetime.now(UTC)  # wall clock: Kafka stamps records and commits with it
