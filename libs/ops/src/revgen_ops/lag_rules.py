"""How a consumer group's partition is judged, in the manner of Burrow: by its behaviour
over a sliding window of its offset commits, not by a fixed number of messages behind.
The rules, in the order they are tried, are written out in docs/operations/lag.md.

Pure: the observations come in (commits with the lag each left, the partition's bounds,
the age of the oldest waiting message, the time now); a verdict comes out.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Status(enum.IntEnum):
    """Worse is larger: a group's status is its worst partition's."""
    OK = 0
    WARN = 1  # consuming, but lag grew throughout the window
    REWIND = 2  # the committed offset went backwards (a reset or a replay)
    STALL = 3  # committing, but the offset does not move while messages wait
    STOP = 4  # not committing while messages wait longer than the window
    ERR = 5  # the committed offset is outside the log: messages lost to retention, or a recreated topic


@dataclass(frozen=True)
class Sample:
    """One commit in the window, and the lag it left (the log's end then, minus the offset)."""
    offset: int
    at: datetime
    lag: int


@dataclass(frozen=True)
class Window:
    seconds: float = 300.0
    max_samples: int = 10


@dataclass(frozen=True)
class Partition:
    committed: int | None  # None: the group never committed here
    log_start: int
    end: int
    samples: tuple[Sample, ...]  # the window's commits, oldest first
    last_commit_at: datetime | None
    oldest_waiting_age: float  # seconds; 0 when nothing waits

    @property
    def lag(self) -> int:
        position = self.log_start if self.committed is None else self.committed
        return max(0, self.end - position)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def evaluate(partition: Partition, now: datetime, window: Window) -> Verdict:
    p, samples = partition, partition.samples
    if p.committed is not None and p.committed < p.log_start:
        return Verdict(Status.ERR, f"committed offset {p.committed} is before the log's start {p.log_start}: "
                                   f"{p.log_start - p.committed} messages were deleted unread")
    if p.committed is not None and p.committed > p.end:
        return Verdict(Status.ERR, f"committed offset {p.committed} is past the log's end {p.end}")
    if p.lag == 0:
        return Verdict(Status.OK, "caught up")
    rewound = next(((a, b) for a, b in zip(samples, samples[1:]) if b.offset < a.offset), None)
    if rewound:
        before, after = rewound
        return Verdict(Status.REWIND, f"offset went back from {before.offset} to {after.offset} "
                                      f"at {after.at:%H:%M:%S}")
    idle = None if p.last_commit_at is None else (now - p.last_commit_at).total_seconds()
    if not samples and p.oldest_waiting_age > window.seconds:
        since = ("never committed" if p.committed is None else f"no commit for {idle:.0f}s" if idle is not None
                 else f"no commit for over {window.seconds:.0f}s")
        return Verdict(Status.STOP, f"{since}; {p.lag} waiting, the oldest for {p.oldest_waiting_age:.0f}s")
    if any(s.lag == 0 for s in samples):
        return Verdict(Status.OK, "caught up within the window")
    if len(samples) >= 2 and samples[0].offset == samples[-1].offset:
        return Verdict(Status.STALL, f"{len(samples)} commits at offset {samples[-1].offset} within "
                                     f"{window.seconds:.0f}s; {p.lag} waiting")
    lags = [s.lag for s in samples] + [p.lag]
    if len(samples) >= 2 and all(b >= a for a, b in zip(lags, lags[1:])) and lags[-1] > lags[0]:
        return Verdict(Status.WARN, f"lag grew from {lags[0]} to {lags[-1]} while consuming")
    return Verdict(Status.OK, "consuming")


def downsample(samples: list[Sample], since: datetime, window: Window) -> tuple[Sample, ...]:
    """At most `max_samples` commits spread over the window: the last in each equal slice
    (a busy group commits many times a second; the rules need its trend, not every commit)."""
    if len(samples) <= window.max_samples:
        return tuple(samples)
    width = window.seconds / window.max_samples
    kept: dict[int, Sample] = {}
    for sample in samples:
        kept[min(window.max_samples - 1, int((sample.at - since).total_seconds() // width))] = sample
    return tuple(kept[k] for k in sorted(kept))
