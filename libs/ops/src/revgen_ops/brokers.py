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
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False,
                              isolation_level="read_committed")
    await admin.start()
    try:
        await reader.start()
        try:
            yield admin, reader
        finally:
            await reader.stop()
    finally:
        await admin.close()
