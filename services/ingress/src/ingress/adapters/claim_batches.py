"""Claims that arrive together share one round trip and one commit (`claim_webhooks`).

Natural batching: a claim goes at once while fewer than `concurrency` batches are out;
otherwise it waits for the next one, which takes everything queued. Idle, a claim waits
for nothing; busy, batches grow with the load instead of round trips and commits.

One batch out per worker: each statement ends in a synchronous commit (a WAL flush, the
bulk of PostgreSQL's CPU per claim here), and at 1,500 webhooks/s four batches out made
~1,070 commits/s for ~0.5 cores of PostgreSQL against ~650 commits/s and ~0.37 cores with
one, at a lower p50 (bench/REPORT-ingress-webhooks.md).
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from typing import NamedTuple

import asyncpg

from ingress.adapters.broken_connections import replaced_when_broken

_CLAIM_MANY = """
    SELECT n, claim, received_on, attempt_at, kafka_partition
    FROM claim_webhooks($1::text[], $2::text[], $3::uuid[], $4::text[], $5::integer[], $6, $7)"""

CONCURRENT_BATCHES = 1  # statements out per worker; see above
MAX_BATCH = 256


class ClaimRequest(NamedTuple):
    source: str
    provider_id: str
    event_id: uuid.UUID
    topic: str
    partition: int


class ClaimRow(NamedTuple):
    claim: str
    received_on: date | None
    attempt_at: datetime | None
    kafka_partition: int  # NOT NULL in the ledger


class ClaimBatches:
    def __init__(self, pool: asyncpg.Pool, settle_seconds: float, keep_days: int,
                 concurrency: int = CONCURRENT_BATCHES):
        self.pool = pool
        self.settle_seconds = settle_seconds
        self.keep_days = keep_days
        self.concurrency = concurrency
        self._queue: list[tuple[ClaimRequest, asyncio.Future]] = []
        self._out: set[asyncio.Task] = set()  # referenced, or the loop may collect them mid-flight

    async def claim(self, request: ClaimRequest) -> ClaimRow:
        answer = asyncio.get_running_loop().create_future()
        self._queue.append((request, answer))
        self._send()
        return await answer

    def _send(self) -> None:
        while self._queue and len(self._out) < self.concurrency:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            task = asyncio.create_task(self._run(batch))
            self._out.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._out.discard(task)
        self._send()

    async def _run(self, batch: list[tuple[ClaimRequest, asyncio.Future]]) -> None:
        try:
            requests = [request for request, _ in batch]
            async with replaced_when_broken(self.pool):
                rows = await self.pool.fetch(_CLAIM_MANY, *(list(column) for column in zip(*requests)),
                                             self.settle_seconds, self.keep_days)
            for row in rows:  # a caller gone (its deadline passed) leaves a pending row: settled later
                if not (answer := batch[row["n"] - 1][1]).done():
                    answer.set_result(ClaimRow(row["claim"], row["received_on"], row["attempt_at"],
                                               row["kafka_partition"]))
        except BaseException as error:  # every claim of the batch fails alike: 503s, retried by providers
            for _, answer in batch:
                if not answer.done():
                    answer.set_exception(error if isinstance(error, Exception) else asyncio.CancelledError())
            if not isinstance(error, Exception):
                raise
