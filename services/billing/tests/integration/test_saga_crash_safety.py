"""The saga SIGKILLed after each step: a restart resumes it; Stripe never holds a charge
we have no record of, and we never hold a record Stripe does not (D1)."""
import asyncio
import sys
import uuid
from pathlib import Path

import pytest

from billing_testing import customers_of, plan, scalar
from revgen_testing.processes import was_killed

SAGA_PROCESS = Path(__file__).resolve().parents[1] / "saga_process.py"


@pytest.mark.parametrize("kill_at", ["command_persisted", "customer_created", "subscription_created", "committed"])
async def test_a_saga_killed_after_each_step_is_completed_once_by_recovery(billing, stripe_fake, kill_at):
    plan_id = await plan(billing)
    client_id, command_id = f"client-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SAGA_PROCESS), billing.engine.url.render_as_string(hide_password=False), stripe_fake.url,
        plan_id, client_id, command_id, kill_at)
    assert was_killed(await asyncio.wait_for(process.wait(), 60))

    await asyncio.sleep(1.1)  # the dead process's lease runs out
    await billing.saga.recover()
    assert (await billing.saga.result(command_id)).state == "completed"
    at_stripe = [s for s in stripe_fake.state.live_subscriptions() if s["metadata"].get("client_id") == client_id]
    assert len(at_stripe) == 1
    assert await scalar(billing.engine, "SELECT id FROM subscriptions WHERE client_id = :c", c=client_id) == at_stripe[0]["id"]
    customers = customers_of(stripe_fake, client_id)
    assert len(customers) == 1
