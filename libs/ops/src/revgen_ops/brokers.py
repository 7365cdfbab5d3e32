"""The two clients every look at the brokers needs: an admin client, and a consumer that
belongs to no group (offsets, timestamps, a record here and there)."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient


@contextlib.asynccontextmanager
async def connected(bootstrap_servers: str) -> AsyncIterator[tuple[AIOKafkaAdminClient, AIOKafkaConsumer]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    # A broker answers one connection's requests in order: with the default 500 ms fetch
    # wait, every offsets-by-time lookup queued behind a fetch of the assigned partitions,
    # and the lag of 8 groups took 12 s instead of 0.9 s.
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False,
                              isolation_level="read_committed", fetch_max_wait_ms=10)
    await admin.start()
    try:
        await reader.start()
        try:
            yield admin, reader
        finally:
            await reader.stop()
    finally:
        await admin.close()
