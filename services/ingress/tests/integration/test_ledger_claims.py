"""The one-statement claim (`claim_webhook`, migration 0002) decides the four outcomes
exactly as before, across daily partitions and under concurrency."""
import asyncio
import uuid

import asyncpg
import pytest

from ingress.adapters.claim_batches import ClaimBatches, ClaimRequest
from ingress.adapters.ledger import KEEP_DAYS, LEDGER_ERRORS, Claim, Ledger, Mark, asyncpg_dsn, connect_pool
from ingress.domain.webhooks import VerifiedWebhook
from revgen_common.contracts.webhooks import StripeEventReceived
from revgen_common.topics import STRIPE_WEBHOOKS

SETTLE_SECONDS = 30


def webhook() -> VerifiedWebhook:
    provider_id = f"evt_{uuid.uuid4().hex}"
    return VerifiedWebhook(source="stripe", provider_id=provider_id, contract=StripeEventReceived,
                           raw={"id": provider_id, "data": {"object": {"customer": "cus_1"}}}, extra={"stripe_type": ""})


@pytest.fixture
async def ledger(ingress_db):
    pool = await connect_pool(ingress_db, 25)
    yield Ledger(pool, SETTLE_SECONDS)
    await pool.close()


async def sql(ingress_db, statement, *args):
    connection = await asyncpg.connect(asyncpg_dsn(ingress_db))
    try:
        return await connection.execute(statement, *args)
    finally:
        await connection.close()


async def test_a_first_claim_is_new_and_records_a_pending_row_for_today_on_its_partition(ledger, ingress_db):
    hook = webhook()
    before = await ledger.pool.fetchval("SELECT current_date")  # the ledger's days are the database's
    claim = await ledger.claim(hook, 4)
    after = await ledger.pool.fetchval("SELECT current_date")
    assert (claim.claim, claim.partition) == (Claim.NEW, 4) and claim.received_on in (before, after)
    row = await ledger.pool.fetchrow("SELECT state, event_id, kafka_topic, kafka_partition FROM webhook_ledger "
                                     "WHERE provider_id = $1", hook.provider_id)
    assert dict(row) == {"state": "pending", "event_id": hook.event_id, "kafka_topic": STRIPE_WEBHOOKS.name,
                         "kafka_partition": 4}


async def test_a_second_claim_while_pending_is_in_flight_with_the_first_attempt(ledger):
    hook = webhook()
    first = await ledger.claim(hook, 2)
    second = await ledger.claim(hook, 5)  # the partition of the first attempt is where to look
    assert (second.claim, second.received_on, second.attempt_at, second.partition) == \
        (Claim.IN_FLIGHT, first.received_on, first.attempt_at, 2)


async def test_a_claim_after_the_mark_is_a_duplicate(ledger):
    hook = webhook()
    first = await ledger.claim(hook, 0)
    await ledger.mark_published([Mark(hook.source, hook.provider_id, first.received_on)])
    assert (await ledger.claim(hook, 0)).claim is Claim.DUPLICATE


async def test_a_claim_of_a_row_pending_past_the_settle_time_is_unresolved(ledger, ingress_db):
    hook = webhook()
    await ledger.claim(hook, 3)
    await sql(ingress_db, "UPDATE webhook_ledger SET attempt_at = now() - make_interval(secs => $2) "
                          "WHERE provider_id = $1", hook.provider_id, SETTLE_SECONDS + 1.0)
    claim = await ledger.claim(hook, 3)
    assert (claim.claim, claim.partition) == (Claim.UNRESOLVED, 3)
    assert (await ledger.retry(hook, claim)).claim is Claim.NEW
    assert await ledger.retry(hook, claim) is None  # the compare-and-set lets one retry through


async def test_a_row_from_an_earlier_day_is_found(ledger, ingress_db):
    hook = webhook()
    await sql(ingress_db, """
        INSERT INTO webhook_ledger (source, provider_id, received_on, event_id, kafka_topic, kafka_partition, state)
        VALUES ($1, $2, current_date - 3, $3, $4, 1, 'published')""",
              hook.source, hook.provider_id, hook.event_id, STRIPE_WEBHOOKS.name)
    assert (await ledger.claim(hook, 1)).claim is Claim.DUPLICATE


async def test_twenty_concurrent_claims_of_one_event_give_one_new(ledger):
    hook = webhook()
    claims = await asyncio.gather(*(ledger.claim(hook, 0) for _ in range(20)))
    assert sorted(c.claim.value for c in claims) == ["in_flight"] * 19 + ["new"]


async def test_marks_of_many_rows_go_in_one_statement(ledger):
    hooks = [webhook() for _ in range(50)]
    claims = [await ledger.claim(h, 0) for h in hooks]
    await ledger.mark_published([Mark(h.source, h.provider_id, c.received_on) for h, c in zip(hooks, claims)])
    states = await ledger.pool.fetch("SELECT state FROM webhook_ledger WHERE provider_id = ANY($1)",
                                     [h.provider_id for h in hooks])
    assert [r["state"] for r in states] == ["published"] * 50


async def test_one_batch_of_marks_spanning_two_days_marks_each_row_on_its_own_day(ledger, ingress_db):
    earlier, today = webhook(), webhook()
    await sql(ingress_db, """
        INSERT INTO webhook_ledger (source, provider_id, received_on, event_id, kafka_topic, kafka_partition, state)
        VALUES ($1, $2, current_date - 2, $3, $4, 1, 'pending')""",
              earlier.source, earlier.provider_id, earlier.event_id, STRIPE_WEBHOOKS.name)
    claim = await ledger.claim(today, 0)
    same_id_other_day = await ledger.pool.fetchval(  # a row that must stay as it is
        "INSERT INTO webhook_ledger (source, provider_id, received_on, event_id, kafka_topic, kafka_partition, state) "
        "VALUES ($1, $2, current_date - 1, $3, $4, 0, 'pending') RETURNING provider_id",
        today.source, today.provider_id, today.event_id, STRIPE_WEBHOOKS.name)

    earlier_day = await ledger.pool.fetchval("SELECT received_on FROM webhook_ledger WHERE provider_id = $1",
                                             earlier.provider_id)
    await ledger.mark_published([Mark(earlier.source, earlier.provider_id, earlier_day),
                                 Mark(today.source, today.provider_id, claim.received_on)])

    rows = await ledger.pool.fetch("SELECT provider_id, current_date - received_on AS age, state FROM webhook_ledger "
                                   "WHERE provider_id = ANY($1) ORDER BY provider_id, received_on",
                                   [earlier.provider_id, same_id_other_day])
    assert sorted((r["provider_id"], r["age"], r["state"]) for r in rows) == sorted([
        (earlier.provider_id, 2, "published"), (today.provider_id, 1, "pending"), (today.provider_id, 0, "published")])


class CountingPool:
    """The pool, counting the statements sent through it."""

    def __init__(self, pool):
        self.pool, self.statements = pool, 0

    async def fetch(self, *args):
        self.statements += 1
        return await self.pool.fetch(*args)


async def test_claims_arriving_together_share_one_statement_and_each_keeps_its_outcome(ledger):
    published, fresh, other = webhook(), webhook(), webhook()
    first = await ledger.claim(published, 0)
    await ledger.mark_published([Mark(published.source, published.provider_id, first.received_on)])
    pool = CountingPool(ledger.pool)
    batches = ClaimBatches(pool, SETTLE_SECONDS, KEEP_DAYS, concurrency=1)
    requests = [ClaimRequest(h.source, h.provider_id, h.event_id, h.topic.name, 0)
                for h in (fresh, other, published, fresh)]
    blocker = asyncio.create_task(batches.claim(ClaimRequest("stripe", f"evt_{uuid.uuid4().hex}", uuid.uuid4(),
                                                             STRIPE_WEBHOOKS.name, 0)))
    rows = await asyncio.gather(*(batches.claim(r) for r in requests))  # queued behind the blocker: one batch
    assert (await blocker).claim == "new"
    assert [r.claim for r in rows] == ["new", "new", "duplicate", "in_flight"]
    assert pool.statements == 2


class BreakingPool:
    """The pool, with asyncpg's lost-protocol-state error on the next statement."""

    def __init__(self, pool):
        self.pool = pool

    async def fetch(self, *args):
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    async def expire_connections(self):
        await self.pool.expire_connections()


async def test_a_connection_that_lost_its_protocol_state_fails_the_claim_as_unavailable_and_is_replaced(ingress_db):
    pool = await connect_pool(ingress_db, 1)  # one connection: the backend pid says whether it was replaced
    try:
        before = await pool.fetchval("SELECT pg_backend_pid()")
        batches = ClaimBatches(BreakingPool(pool), SETTLE_SECONDS, KEEP_DAYS)
        hook = webhook()
        with pytest.raises(LEDGER_ERRORS):  # the gateway answers these with 503
            await batches.claim(ClaimRequest(hook.source, hook.provider_id, hook.event_id, hook.topic.name, 0))
        assert await pool.fetchval("SELECT pg_backend_pid()") != before
    finally:
        await pool.close()
