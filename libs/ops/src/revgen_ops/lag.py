"""Consumer lag read from the brokers, never from the consumers: committed offsets against
the log's end, how long the oldest waiting message has waited, and a status judged over
the window of the group's commits (lag_rules). It works the same whether the group is
running, stopped or was never started."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition

from revgen_common.clock import Clock, system_clock
from revgen_common.topic_reading import partitions_of
from revgen_ops.brokers import connected
from revgen_ops.groups import (
    GroupState,
    Member,
    committed_offsets,
    declared_topics,
    describe_group,
    known_groups,
)
from revgen_ops.lag_rules import Partition, Sample, Status, Window, downsample, evaluate
from revgen_ops.offsets_log import Commit, read_commits


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int
    lag_seconds: float  # age of the oldest message the group has not committed past
    last_commit_at: datetime | None
    status: Status
    reason: str
    owner: Member | None


@dataclass(frozen=True)
class GroupLag:
    group: str
    state: str
    members: tuple[Member, ...]
    partitions: tuple[PartitionLag, ...]

    @property
    def status(self) -> Status:
        return max((p.status for p in self.partitions), default=Status.OK)

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)

    @property
    def lag_seconds(self) -> float:
        return max((p.lag_seconds for p in self.partitions), default=0.0)


async def observe(bootstrap_servers: str, groups: list[str] | None = None, window: Window = Window(),
                  clock: Clock = system_clock) -> list[GroupLag]:
    """Lag and status of `groups` (default: every group the brokers or the services know)."""
    now = clock()
    since = now - timedelta(seconds=window.seconds)
    async with connected(bootstrap_servers) as (admin, consumer):
        names = groups or await known_groups(admin)
        states = {g: await describe_group(admin, g) for g in names}
        committed = {g: await committed_offsets(admin, g) for g in names}
        topics = {g: sorted({tp.topic for tp in committed[g]} | set(declared_topics(g))) for g in names}
        existing = set(await admin.list_topics())
        partitions = {t: await partitions_of(bootstrap_servers, t)
                      for t in {t for ts in topics.values() for t in ts} if t in existing}
        every_tp = [tp for tps in partitions.values() for tp in tps]
        bounds = _Bounds(consumer, every_tp)
        await bounds.load()
        commits = await read_commits(bootstrap_servers, set(names), since)
        result = []
        for g in names:
            tps = [tp for t in topics[g] for tp in partitions.get(t, [])]
            result.append(await _group_lag(g, states[g], tps, committed[g], commits, bounds, now, since, window))
        return result


class _Bounds:
    """The partitions' start and end offsets, their end at a past time, and the age of the
    message at an offset: what a partition's lag and its window's lags are worked out from."""

    def __init__(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]):
        self.consumer = consumer
        self.partitions = partitions
        self.start: dict[TopicPartition, int] = {}
        self.end: dict[TopicPartition, int] = {}

    async def load(self) -> None:
        if self.partitions:
            self.consumer.assign(self.partitions)
            self.start = await self.consumer.beginning_offsets(self.partitions)
            self.end = await self.consumer.end_offsets(self.partitions)

    async def end_at(self, moments: dict[TopicPartition, datetime]) -> dict[TopicPartition, int]:
        """The end each partition had at a moment: the first offset stamped at or after it
        (producers' timestamps; skew between clocks shifts it a little)."""
        found = await self.consumer.offsets_for_times({tp: int(at.timestamp() * 1000) for tp, at in moments.items()})
        return {tp: (hit.offset if hit is not None else self.end[tp]) for tp, hit in found.items()}

    async def oldest_waiting(self, positions: dict[TopicPartition, int], now: datetime,
                             timeout: float = 5.0) -> dict[TopicPartition, float | None]:
        """Age in seconds of the first readable message at or after each position; None
        where nothing readable waits (only transaction markers, say)."""
        ages: dict[TopicPartition, float | None] = {tp: None for tp in positions}
        if not positions:
            return ages
        for tp, offset in positions.items():
            self.consumer.seek(tp, offset)
        waiting = set(positions)
        deadline = asyncio.get_running_loop().time() + timeout
        while waiting and asyncio.get_running_loop().time() < deadline:
            batches = await self.consumer.getmany(*waiting, timeout_ms=300, max_records=len(waiting) * 10)
            for tp, records in batches.items():
                if records and tp in waiting:
                    ages[tp] = max(0.0, (now - datetime.fromtimestamp(records[0].timestamp / 1000, UTC)).total_seconds())
                    waiting.discard(tp)
            waiting = {tp for tp in waiting if await self.consumer.position(tp) < self.end[tp]}
        return ages


async def _group_lag(group: str, state: GroupState, tps: list[TopicPartition], committed: dict, commits: dict,
                     bounds: _Bounds, now: datetime, since: datetime, window: Window) -> GroupLag:
    positions: dict[TopicPartition, int | None] = {tp: committed.get(tp) for tp in tps}
    windows: dict[TopicPartition, list[Commit]] = {tp: commits.get((group, tp.topic, tp.partition), []) for tp in tps}
    kept = {tp: downsample([Sample(c.offset, c.committed_at, 0) for c in windows[tp]], since, window) for tp in tps}
    # The lag each kept commit left: the end the log had then, minus the offset.
    depth = max((len(s) for s in kept.values()), default=0)
    lags: dict[TopicPartition, list[int]] = {tp: [] for tp in tps}
    for i in range(depth):
        ends = await bounds.end_at({tp: s[i].at for tp, s in kept.items() if len(s) > i})
        for tp, end in ends.items():
            lags[tp].append(max(0, end - kept[tp][i].offset))
    behind = {tp: (bounds.start[tp] if pos is None else pos) for tp, pos in positions.items()
              if (bounds.start[tp] if pos is None else pos) < bounds.end[tp]}
    ages = await bounds.oldest_waiting({tp: max(o, bounds.start[tp]) for tp, o in behind.items()}, now)
    result = []
    for tp in tps:
        samples = tuple(Sample(s.offset, s.at, lag) for s, lag in zip(kept[tp], lags[tp]))
        age = ages.get(tp)
        end = bounds.end[tp]
        if tp in behind and age is None:  # nothing readable waits (transaction markers only): caught up
            end = behind[tp]
        last = windows[tp][-1].committed_at if windows[tp] else None
        observed = Partition(positions[tp], bounds.start[tp], end, samples, last, age or 0.0)
        verdict = evaluate(observed, now, window)
        result.append(PartitionLag(tp.topic, tp.partition, positions[tp], bounds.end[tp], observed.lag, age or 0.0,
                                   last, verdict.status, verdict.reason, state.owner_of(tp)))
    return GroupLag(group, state.state, state.members, tuple(result))
