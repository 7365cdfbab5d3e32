"""What Stripe's events about a customer change: its subscriptions (re-fetched and synced,
stripe_sync), the checkout that links it to a client, its contact details, its payment
method, and its deletion. Routes of stripe_events, run in its ledger's savepoint."""
from __future__ import annotations

import logging
from typing import Any

from billing.adapters import billing_accounts
from billing.adapters.stripe_gateway import StripeGateway
from billing.service_layer.stripe_reads import StripeReads
from billing.service_layer.stripe_sync import refresh
from revgen_common.unit_of_work import Transaction

log = logging.getLogger(__name__)


class StripeCustomers:
    def __init__(self, stripe: StripeGateway):
        self.stripe = stripe

    async def subscription(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        subscription_id = event["data"]["object"]["id"]
        if await refresh(uow, self.stripe, subscription_id, reads=reads) is None:
            log.warning("%s for %s, which stripe no longer has; reconciliation reports it", event["type"],
                        subscription_id)

    async def checkout_completed(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        session = event["data"]["object"]
        client_id = session.get("client_reference_id") or (session.get("metadata") or {}).get("client_id")
        if client_id and session.get("customer"):
            await billing_accounts.link_customer(uow.connection, client_id, session["customer"])
        if session.get("subscription"):
            await refresh(uow, self.stripe, session["subscription"], reads=reads)

    async def customer(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        snapshot = event["data"]["object"]
        customer = await reads.locked(uow, "customer", snapshot["id"]) or snapshot
        if customer.get("deleted"):
            return  # customer.deleted clears the link; a deleted customer has no contact details
        await billing_accounts.set_contacts(uow.connection, customer["id"], customer.get("email"), customer.get("phone"))

    async def customer_deleted(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        """The account forgets the customer, so the next create makes a new one instead of
        failing on a customer Stripe no longer has."""
        await billing_accounts.forget_customer(uow.connection, event["data"]["object"]["id"])

    async def payment_method(self, uow: Transaction, reads: StripeReads, event: dict[str, Any]) -> None:
        customer = event["data"]["object"].get("customer")
        await billing_accounts.has_payment_method(uow.connection, customer)
