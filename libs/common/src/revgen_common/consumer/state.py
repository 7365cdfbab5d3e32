"""What the consumer's parts share: the state runtime.py sets up, and what one part asks of
another. applying.py, failures.py and progress.py each extend it with one concern."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.checkpoints import Checkpoint
from revgen_common.clock import Clock
from revgen_common.consumer.options import ConsumerOptions
from revgen_common.consumer.received import Received
from revgen_common.consumer.routes import Handler, Staged

if TYPE_CHECKING:
    from revgen_common.consumer.waiting import Retry


class ConsumerState:
    name: str
    producer: str
    clock: Clock
    engine: AsyncEngine
    handlers: dict[str, Handler | Staged[Any]]
    options: ConsumerOptions
    _checkpoint: Checkpoint
    _consumer: AIOKafkaConsumer
    _retrying: dict[TopicPartition, Retry]
    _committed: dict[TopicPartition, int]
    _next_lag_refresh: float

    async def _fail(self, tp: TopicPartition, pending: list[Received], error: Exception) -> bool:
        raise NotImplementedError  # failures.py

    def _hold_batch(self, tp: TopicPartition, batch: list[Received]) -> None:
        raise NotImplementedError  # failures.py

    async def _commit_offset(self, tp: TopicPartition, offset: int) -> None:
        raise NotImplementedError  # progress.py

    def _count(self, item: Received, outcome: str) -> None:
        raise NotImplementedError  # progress.py
