"""Consumer groups as the brokers see them: their members, and the offsets they committed."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import MemberAssignment

from revgen_common.topics import CONSUMER_GROUPS

T = TypeVar("T")


async def retried(call: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
    """`call()`, again while the brokers answer with a retriable error (a coordinator still
    loading the offsets topic, moving, or not elected yet)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await call()
        except KafkaError as error:
            if not error.retriable or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Member:
    member_id: str
    client_id: str
    host: str
    partitions: tuple[TopicPartition, ...]

    def __str__(self) -> str:
        return f"{self.client_id} on {self.host.lstrip('/')} ({self.member_id})"


@dataclass(frozen=True)
class GroupState:
    group: str
    state: str  # Stable, PreparingRebalance, CompletingRebalance, Empty, Dead
    members: tuple[Member, ...]

    def owner_of(self, tp: TopicPartition) -> Member | None:
        return next((m for m in self.members if tp in m.partitions), None)


def _assigned(raw: bytes) -> tuple[TopicPartition, ...]:
    if not raw:
        return ()
    try:
        assignment = MemberAssignment.decode(raw)
    except Exception:  # not the consumer protocol (a Connect worker, say): no partitions to show
        return ()
    return tuple(TopicPartition(topic, p) for topic, partitions in assignment.assignment for p in partitions)


async def describe_group(admin: AIOKafkaAdminClient, group: str) -> GroupState:
    (response,) = await retried(lambda: admin.describe_consumer_groups([group]))
    (described,) = response.groups
    _error, group_id, state, _protocol_type, _protocol, members = described[:6]
    return GroupState(group_id, state, tuple(
        Member(member_id, client_id, host, _assigned(assignment))
        for member_id, client_id, host, _metadata, assignment, *_ in members))


async def known_groups(admin: AIOKafkaAdminClient) -> list[str]:
    """Every group the brokers know of, and the ones the services declare (a group never
    started is news too)."""
    listed = {group for group, *_ in await retried(admin.list_consumer_groups)}
    return sorted(listed | {g.name for g in CONSUMER_GROUPS})


async def committed_offsets(admin: AIOKafkaAdminClient, group: str) -> dict[TopicPartition, int]:
    """The group's committed offset per partition (only where it committed)."""
    offsets = await retried(lambda: admin.list_consumer_group_offsets(group))
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


def declared_topics(group: str) -> tuple[str, ...]:
    return next((tuple(t.name for t in g.topics) for g in CONSUMER_GROUPS if g.name == group), ())
