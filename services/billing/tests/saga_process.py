"""Runs one create-subscription saga and SIGKILLs itself at a named step:
`python saga_process.py DATABASE_URL STRIPE_URL PLAN_ID CLIENT_ID COMMAND_ID KILL_AT`."""
import asyncio
import os
import signal
import sys
from datetime import timedelta

from sqlalchemy.ext.asyncio import create_async_engine

from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.subscribe import CreateSubscription, SubscribeSaga
from revgen_common.clock import system_clock


async def main(database_url, stripe_url, plan_id, client_id, command_id, kill_at) -> None:
    def checkpoint(name: str) -> None:
        if name == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    engine = create_async_engine(database_url)
    saga = SubscribeSaga(engine, StripeGateway("sk_test_revgen_billing_tests", stripe_url, timeout=5),
                         lease=timedelta(seconds=1), checkpoint=checkpoint, clock=system_clock)
    await saga.create(CreateSubscription(command_id=command_id, client_id=client_id, plan_id=plan_id))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
