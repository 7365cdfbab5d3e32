"""Reading the brokers' own record of offset commits (`__consumer_offsets`), for the times
groups committed: what the lag rules judge a group by, whether it is running or not.

Each commit is a record keyed (version, group, topic, partition) whose value holds the
offset and the commit timestamp (Kafka's OffsetCommitKey/OffsetCommitValue schemas,
versions 0-4, v4 being the first "flexible" one). A group's commits all go to one
partition of the topic, chosen from the group id as the coordinator does; we read only
the last `window` of those partitions, found by timestamp.
"""
from __future__ import annotations

import asyncio
import struct
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from revgen_common.topic_reading import partitions_of

OFFSETS_TOPIC = "__consumer_offsets"
_OFFSET_COMMIT_KEYS = (0, 1)  # LegacyOffsetCommitKey, OffsetCommitKey; 2 is group metadata


@dataclass(frozen=True)
class Commit:
    group: str
    topic: str
    partition: int
    offset: int
    committed_at: datetime


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.at = 0

    def take(self, fmt: str):
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.take(">h")
        return self._text(length)

    def compact_string(self) -> str:
        return self._text(self.varint() - 1)

    def varint(self) -> int:
        shift = value = 0
        while True:
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def _text(self, length: int) -> str:
        if length < 0:
            return ""
        text = self.data[self.at:self.at + length].decode()
        self.at += length
        return text


def decode_commit(key: bytes | None, value: bytes | None) -> Commit | None:
    """The commit a record of `__consumer_offsets` holds; None for anything else (group
    metadata, a deleted offset's tombstone)."""
    if not key or not value:
        return None
    keys = _Reader(key)
    if keys.take(">h") not in _OFFSET_COMMIT_KEYS:
        return None
    group, topic, partition = keys.string(), keys.string(), keys.take(">i")
    values = _Reader(value)
    version = values.take(">h")
    offset = values.take(">q")
    if version >= 3:
        values.take(">i")  # leader epoch
    if version >= 4:
        values.compact_string()  # metadata
    else:
        values.string()
    timestamp_ms = values.take(">q")
    return Commit(group, topic, partition, offset, datetime.fromtimestamp(timestamp_ms / 1000, UTC))


def java_string_hash(text: str) -> int:
    """Java's String.hashCode (over UTF-16 code units), which places a group's commits."""
    value = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        value = (31 * value + int.from_bytes(units[i:i + 2], "big")) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def offsets_partition(group: str, partitions: int) -> int:
    hashed = java_string_hash(group)
    return (0 if hashed == -(1 << 31) else abs(hashed)) % partitions


async def read_commits(bootstrap_servers: str, groups: set[str], since: datetime, poll_seconds: float = 0.5,
                       timeout: float = 30.0) -> dict[tuple[str, str, int], list[Commit]]:
    """Every commit of `groups` from `since` to now (or what was read within `timeout`),
    oldest first, by (group, topic, partition)."""
    commits: dict[tuple[str, str, int], list[Commit]] = defaultdict(list)
    if not groups:
        return commits
    count = len(await partitions_of(bootstrap_servers, OFFSETS_TOPIC))
    wanted = sorted({TopicPartition(OFFSETS_TOPIC, offsets_partition(g, count)) for g in groups})
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False,
                                isolation_level="read_committed")
    await consumer.start()
    try:
        consumer.assign(wanted)
        starts = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in wanted})
        ends = await consumer.end_offsets(wanted)
        reading = [tp for tp in wanted if starts[tp] is not None and starts[tp].offset < ends[tp]]
        for tp in reading:
            consumer.seek(tp, starts[tp].offset)
        deadline = asyncio.get_running_loop().time() + timeout
        while reading and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(*reading, timeout_ms=int(poll_seconds * 1000))
            for records in batches.values():
                for record in records:
                    commit = decode_commit(record.key, record.value)
                    if commit is not None and commit.group in groups:
                        commits[(commit.group, commit.topic, commit.partition)].append(commit)
            reading = [tp for tp in reading if await consumer.position(tp) < ends[tp]]
        return commits
    finally:
        await consumer.stop()
