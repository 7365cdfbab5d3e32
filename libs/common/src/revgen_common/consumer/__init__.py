"""The exactly-once-effect consumer every service runs on.

For each batch of one partition: the inbox rows, the handlers' state changes and their
outgoing messages (outbox rows) commit in ONE PostgreSQL transaction, and only then is
the Kafka offset committed. A crash anywhere replays the batch; the inbox turns the
replay into a no-op. Order per partition is kept by never having two batches of one
partition in flight; other partitions go on while one waits out a retry.

A `Staged` handler's slow part (a provider call) runs before that transaction, for every
message of the batch at once — one after another only within a key, so order per key
holds — and its result is applied in the transaction. The batch's prepared prefix is
applied while later preparations go on: the rest waits in memory (below) and the end of
its first message's preparation wakes it. Preparing must be idempotent: a batch that does
not commit may be prepared again (after a crash, a cancellation on stop or revoke, or by
the partition's next owner).

A message that must wait (a failure's backoff, or a `NotYet`) keeps the rest of its batch in
memory: the partition stays paused and the same records, with what was already prepared
for them, are tried again when the wait is over — no seek, no fetch, so the wait is exactly
what was asked (ADR 0006).

A handler is given its message as `Delivered[TheContract]`: the payload validated into its
contract once, by `received.checked`, before anything runs (an invalid one is dead-lettered),
and the envelope it came in.

Modules: `routes` (handler tables by contract, Staged, OwnTransactions), `delivered` (what a
handler is given), `received` (a record decoded and checked), `inbox`, `preparing`, `applying` (one batch, one transaction),
`failures` (retry or dead-letter), `waiting` (what waits in memory), `progress` (offsets,
metrics), `membership` (rebalances, leaving the group), `runtime` (the consumer's life).
"""
from revgen_common.consumer.delivered import Delivered
from revgen_common.consumer.inbox import INBOX_KEEP_SECONDS
from revgen_common.consumer.options import ConsumerOptions
from revgen_common.consumer.routes import Handler, Handlers, OwnTransactions, Staged, by_type
from revgen_common.consumer.runtime import ExactlyOnceConsumer
from revgen_common.handler_context import HandlerContext

__all__ = ["INBOX_KEEP_SECONDS", "ConsumerOptions", "Delivered", "ExactlyOnceConsumer", "Handler", "HandlerContext",
           "Handlers", "OwnTransactions", "Staged", "by_type"]
