"""Fixtures for the Stripe fake tests, imported by name into each test module (kept out of
conftest.py so the fakes of other providers can have their own fixtures without clashes)."""
from dataclasses import dataclass

import pytest
import stripe

from revgen_devstack.ports import free_port
from revgen_devstack.testing import serve_app
from revgen_fakes.faults import FaultInjector
from revgen_fakes.stripe import StripeState, faulty_app


class ManualClock:
    def __init__(self, now: int = 1_800_000_000):
        self.now = now

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds


@dataclass
class RunningFake:
    state: StripeState
    faults: FaultInjector
    clock: ManualClock
    client: stripe.StripeClient
    base_url: str
    http: object  # httpx.AsyncClient for /_fake/ controls

    def client_with_key(self, api_key: str) -> stripe.StripeClient:
        return stripe.StripeClient(api_key, base_addresses={"api": self.base_url}, http_client=stripe.HTTPXClient(),
                                   max_network_retries=0)


@pytest.fixture
async def fake():
    """The Stripe fake behind its fault injector on a real uvicorn server, and an SDK client
    configured the way services/billing configures it."""
    clock = ManualClock()
    state = StripeState(clock=clock, seed=7)
    faults = faulty_app(state)
    port = free_port()
    async with serve_app(faults, port) as http:
        base_url = f"http://127.0.0.1:{port}"
        running = RunningFake(state, faults, clock, None, base_url, http)
        running.client = running.client_with_key("sk_test_fake")
        yield running


@pytest.fixture
async def catalog(fake):
    """A customer and a monthly price, created through the SDK."""
    product = await fake.client.v1.products.create_async(params={"name": "Lead response"})
    price = await fake.client.v1.prices.create_async(params={
        "product": product.id, "unit_amount": 4900, "currency": "usd", "recurring": {"interval": "month"}})
    customer = await fake.client.v1.customers.create_async(params={"email": "a@example.com",
                                                                   "metadata": {"client_id": "abc"}})
    return customer, price
