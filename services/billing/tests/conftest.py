"""Billing over a fresh, migrated database and a stateful Stripe fake behind a fault injector."""
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from billing.adapters.stripe_gateway import StripeGateway
from billing.bootstrap import build, create_app
from billing.migrate import upgrade_database
from billing.settings import BillingSettings
from billing_testing import STRIPE_KEY, StripeFake
from revgen_common.testing.internal_api import TEST_API_HEADERS, TEST_API_TOKEN
from revgen_devstack import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.stripe import StripeState, faulty_app


@pytest.fixture
async def billing_engine(migrated_database):
    url = await migrated_database("billing", upgrade_database)
    engine = create_async_engine(url, pool_size=30, max_overflow=30)
    yield engine
    await engine.dispose()


@pytest.fixture
async def stripe_fake(clock):
    state = StripeState(clock=lambda: int(clock().timestamp()))  # Stripe's clock is ours
    injector = faulty_app(state)
    port = free_port()
    async with serve_app(injector, port):
        yield StripeFake(state, injector, f"http://127.0.0.1:{port}")


@pytest.fixture
def gateway(stripe_fake):
    # A short timeout: a response the injector drops costs the test this long.
    return StripeGateway(STRIPE_KEY, stripe_fake.url, timeout=2.0)


@pytest.fixture
def billing(billing_engine, gateway, clock):
    # No grace window: tests reconcile right after dropping an event.
    return build(billing_engine, gateway, saga_lease=timedelta(seconds=30), event_grace=timedelta(0), clock=clock)


@pytest.fixture
async def served_billing(infra, all_topics, billing_engine, stripe_fake):
    """The whole service (API, consumer, relay, timers) on a port; yields an HTTP client for it."""
    settings = BillingSettings(kafka_bootstrap_servers=infra.bootstrap_servers, port=free_port(),
                               billing_database_url=billing_engine.url.render_as_string(hide_password=False),
                               stripe_api_key=STRIPE_KEY, stripe_api_base=stripe_fake.url,
                               billing_api_token=TEST_API_TOKEN)
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as client:
        yield client
