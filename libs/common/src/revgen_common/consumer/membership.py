"""The consumer's part in its group: finishing a partition's batch before handing it over,
and leaving the group when stopped on purpose."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

if TYPE_CHECKING:
    from revgen_common.consumer.runtime import ExactlyOnceConsumer


def leave_when_stopped(consumer: AIOKafkaConsumer) -> None:
    """A member stopping on purpose leaves its group, so its partitions go to the other
    members (or its restart) at once; only a killed process keeps them, for its restart to
    take back as the same static member. aiokafka 0.14 (`_maybe_leave_group`) sends no
    LeaveGroup for a static member; without the instance id it sends one by member id,
    which the broker honours for static members too (test_static_membership.py)."""
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is not None and getattr(coordinator, "_group_instance_id", None) is not None:
        coordinator._group_instance_id = None


class DrainOnRevoke(ConsumerRebalanceListener):
    """Before a partition is handed to another member, finish (and commit) its batch in
    flight, so no offset is ever committed past work that is not in the database; its
    preparations still running are cancelled, not waited for (the next owner redoes them)."""

    def __init__(self, runtime: ExactlyOnceConsumer):
        self.runtime = runtime

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self.runtime.drain(revoked)
        self.runtime.forget(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.runtime.forget(assigned)
