"""Replaying a topic to a consumer group by moving its committed offsets back.

Safe by construction: every consumer applies a message through its inbox, so whatever a
reset re-delivers that was applied before is absorbed (counted as `duplicate`) and only
what was never applied takes effect. A plan shows, per partition, the offset now, the
offset after and how many messages that re-delivers; it is executed only while the group
has no member (a running member would overwrite the reset with its next commit), and
every execution is recorded (audit). Moving forward skips messages, which the inbox
cannot bring back: that needs saying so (`allow_skip`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from revgen_common.topic_reading import partitions_of
from revgen_ops import audit
from revgen_ops.brokers import connected
from revgen_ops.groups import Member, committed_offsets, describe_group, retried


@dataclass(frozen=True)
class Target:
    """Where to: exactly one of these."""
    earliest: bool = False
    offset: int | None = None
    at: datetime | None = None
    shift: int | None = None

    def __post_init__(self) -> None:
        chosen = [self.earliest, self.offset is not None, self.at is not None, self.shift is not None]
        if sum(chosen) != 1:
            raise ValueError("choose one target: earliest, an offset, a datetime or a shift")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("a datetime target needs a time zone (e.g. 2026-12-01T09:00:00+00:00)")

    def __str__(self) -> str:
        if self.earliest:
            return "earliest"
        if self.offset is not None:
            return f"offset {self.offset}"
        if self.at is not None:
            return f"datetime {self.at.isoformat()}"
        return f"shift {self.shift:+d}"


@dataclass(frozen=True)
class PartitionMove:
    topic: str
    partition: int
    now: int | None  # None: the group never committed here (it would start at the log's start)
    after: int
    log_start: int
    end: int

    @property
    def redelivered(self) -> int:
        return max(0, self._from - self.after)

    @property
    def skipped(self) -> int:
        return max(0, self.after - self._from)

    @property
    def _from(self) -> int:
        return self.log_start if self.now is None else self.now


@dataclass(frozen=True)
class ResetPlan:
    group: str
    target: Target
    moves: tuple[PartitionMove, ...]
    members: tuple[Member, ...]

    @property
    def redelivered(self) -> int:
        return sum(m.redelivered for m in self.moves)

    @property
    def skipped(self) -> int:
        return sum(m.skipped for m in self.moves)


class GroupIsActive(Exception):
    def __init__(self, group: str, members: tuple[Member, ...]):
        super().__init__(f"group {group} has {len(members)} active member(s): "
                         + "; ".join(str(m) for m in members) + ". Stop them first, then run this again.")
        self.members = members


class WouldSkip(Exception):
    """A forward move loses messages for this group; refused unless asked for."""


async def plan(bootstrap_servers: str, group: str, topics: list[str], target: Target,
               partitions: list[int] | None = None) -> ResetPlan:
    async with connected(bootstrap_servers) as (admin, consumer):
        state = await describe_group(admin, group)
        committed = await committed_offsets(admin, group)
        tps = [tp for t in topics for tp in await partitions_of(bootstrap_servers, t)
               if partitions is None or tp.partition in partitions]
        consumer.assign(tps)
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        at = {}
        if target.at is not None:
            found = await consumer.offsets_for_times({tp: int(target.at.timestamp() * 1000) for tp in tps})
            at = {tp: (hit.offset if hit is not None else ends[tp]) for tp, hit in found.items()}
        moves = []
        for tp in tps:
            now = committed.get(tp)
            after = _after(target, now if now is not None else starts[tp], starts[tp], at.get(tp))
            moves.append(PartitionMove(tp.topic, tp.partition, now, min(max(after, starts[tp]), ends[tp]),
                                       starts[tp], ends[tp]))
        return ResetPlan(group, target, tuple(moves), state.members)


def _after(target: Target, position: int, start: int, at: int | None) -> int:
    if target.earliest:
        return start
    if target.offset is not None:
        return target.offset
    if target.at is not None:
        assert at is not None
        return at
    assert target.shift is not None
    return position + target.shift


async def execute(bootstrap_servers: str, group: str, topics: list[str], target: Target, operator: str,
                  partitions: list[int] | None = None, allow_skip: bool = False) -> ResetPlan:
    """Plan again (offsets may have moved since the preview), refuse while the group has
    members, record, then commit the new offsets as the group's."""
    reset = await plan(bootstrap_servers, group, topics, target, partitions)
    if reset.members:
        raise GroupIsActive(group, reset.members)
    if reset.skipped and not allow_skip:
        raise WouldSkip(f"this moves {group} forward past {reset.skipped} message(s) it has not consumed; "
                        "they would never be applied. Pass allow_skip (--skip) if that is what you want.")
    detail = {"target": str(target), "topics": topics, "partitions": [
        {"topic": m.topic, "partition": m.partition, "from": m.now, "to": m.after} for m in reset.moves
        if m.redelivered or m.skipped], "redelivered": reset.redelivered, "skipped": reset.skipped}
    await audit.record(bootstrap_servers, "offset-reset", group, operator, detail)
    try:
        await _commit(bootstrap_servers, group, {TopicPartition(m.topic, m.partition): m.after for m in reset.moves})
    except Exception as error:
        await audit.record(bootstrap_servers, "offset-reset-failed", group, operator, {**detail, "error": repr(error)})
        raise
    return reset


async def _commit(bootstrap_servers: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    # Committed outside the group's generation: the coordinator accepts it only while the
    # group is empty, so a member that joined since the check makes this fail, not race.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await retried(lambda: consumer.commit(offsets))
    finally:
        await consumer.stop()


def as_dict(reset: ResetPlan) -> dict:
    return {"group": reset.group, "target": str(reset.target), "members": [str(m) for m in reset.members],
            "moves": [{**asdict(m), "redelivered": m.redelivered, "skipped": m.skipped} for m in reset.moves]}
