import asyncio

import pytest
import stripe

from stripe_fake_fixtures import catalog, fake  # noqa: F401  (fixtures)


async def create(fake, customer, price, key, client=None, **params):
    return await (client or fake.client).v1.subscriptions.create_async(
        params={"customer": customer.id, "items": [{"price": price.id}], **params}, options={"idempotency_key": key})


async def test_a_replay_returns_the_same_object_and_changes_nothing(fake, catalog):
    first = await create(fake, *catalog, key="k-1")
    events, invoices = len(fake.state.events), len(fake.state.invoices)
    replay = await create(fake, *catalog, key="k-1")
    assert replay.to_dict() == first.to_dict()
    assert replay.last_response.headers["Idempotent-Replayed"] == "true"
    assert (len(fake.state.subscriptions), len(fake.state.events), len(fake.state.invoices)) == (1, events, invoices)
    assert [record.replayed for record in fake.state.requests[-2:]] == [False, True]


async def test_a_replay_shows_the_object_as_it_was_when_first_created(fake, catalog):
    first = await create(fake, *catalog, key="k-1")
    await fake.client.v1.subscriptions.update_async(first.id, params={"metadata": {"later": "yes"}})
    replay = await create(fake, *catalog, key="k-1")
    assert "later" not in replay.metadata


async def test_the_same_key_with_other_parameters_is_an_idempotency_error(fake, catalog):
    await create(fake, *catalog, key="k-1")
    with pytest.raises(stripe.IdempotencyError):
        await create(fake, *catalog, key="k-1", metadata={"other": "params"})
    assert len(fake.state.subscriptions) == 1


async def test_a_retry_while_the_first_request_runs_is_a_409_conflict(fake, catalog):
    fake.state.latency_seconds = 0.3
    results = await asyncio.gather(create(fake, *catalog, key="k-1"), create(fake, *catalog, key="k-1"),
                                   return_exceptions=True)
    conflicts = [r for r in results if isinstance(r, stripe.APIError) and r.http_status == 409]
    assert len(conflicts) == 1 and conflicts[0].json_body["error"]["type"] == "idempotency_error"
    assert len(fake.state.subscriptions) == 1


async def test_keys_are_scoped_per_api_key(fake, catalog):
    await create(fake, *catalog, key="k-1")
    await create(fake, *catalog, key="k-1", client=fake.client_with_key("sk_test_other_account"))
    assert len(fake.state.subscriptions) == 2


async def test_after_keys_expire_the_same_key_executes_again(fake, catalog):
    await create(fake, *catalog, key="k-1")
    fake.state.expire_idempotency_keys()
    await create(fake, *catalog, key="k-1")
    assert len(fake.state.subscriptions) == 2


async def test_a_request_refused_by_validation_saves_nothing_under_its_key(fake, catalog):
    customer, price = catalog
    with pytest.raises(stripe.InvalidRequestError):
        await fake.client.v1.subscriptions.create_async(params={"customer": customer.id},
                                                        options={"idempotency_key": "k-1"})
    await create(fake, customer, price, key="k-1")
    assert len(fake.state.subscriptions) == 1


async def test_a_dropped_response_committed_and_a_retry_with_its_key_returns_the_object(fake, catalog):
    fake.faults.script("drop_response", path_prefix="/v1/subscriptions")
    with pytest.raises(stripe.APIConnectionError):
        await create(fake, *catalog, key="k-1")
    [created] = fake.state.subscriptions.values()
    retry = await create(fake, *catalog, key="k-1")
    assert retry.id == created["id"] and len(fake.state.subscriptions) == 1


async def test_429_surfaces_as_a_rate_limit_error_without_reaching_the_fake(fake, catalog):
    fake.faults.script("429:retry_after=2", path_prefix="/v1/subscriptions")
    with pytest.raises(stripe.RateLimitError) as limited:
        await create(fake, *catalog, key="k-1")
    assert limited.value.headers["Retry-After"] == "2" and limited.value.request_id.startswith("req_")
    assert fake.state.subscriptions == {}
    assert (await create(fake, *catalog, key="k-1")).status == "active"


async def test_a_503_surfaces_as_an_api_error(fake, catalog):
    fake.faults.script("503", path_prefix="/v1/subscriptions")
    with pytest.raises(stripe.APIError) as failed:
        await create(fake, *catalog, key="k-1")
    assert failed.value.http_status == 503 and fake.state.subscriptions == {}
