"""Other services' events billing acts on: a client created (its agency, for agency-wide lists)
or deleted (identity), and lead outcomes (messaging), the latter feeding the retention offer's
real numbers (B6)."""
from __future__ import annotations

from billing.adapters import billing_accounts, client_agencies, lead_outcomes, subscription_commands, subscriptions
from billing.service_layer.stripe_events import StripeEvents
from billing.service_layer.stripe_sync import refresh
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.identity import ClientCreated, ClientDeleted
from revgen_common.contracts.messaging import LeadOutcomeRecorded


class ClientEvents:
    def __init__(self, stripe_events: StripeEvents):
        self.stripe_events = stripe_events
        self.stripe = stripe_events.stripe

    async def client_created(self, message: Delivered[ClientCreated], ctx: HandlerContext) -> None:
        await client_agencies.record(ctx.connection, message.body.client_id, message.body.agency_id)

    async def client_deleted(self, message: Delivered[ClientDeleted], ctx: HandlerContext) -> None:
        """B3: the client's Stripe subscription is canceled, and stays canceled (D7).

        Marking the account deleted locks its row, and a saga's local commit holds that row
        FOR SHARE: either the saga committed first (its subscription is in `live` below) or
        it sees the client deleted and compensates. A create that has not reached its
        commit is told to compensate now instead of creating anything more at Stripe."""
        client_id = message.body.client_id
        db = ctx.connection
        await billing_accounts.mark_deleted(db, client_id)
        await subscription_commands.compensate_open_of(db, client_id)
        live = await subscriptions.live_of_client(db, client_id)
        for subscription_id in live:
            await refresh(ctx, self.stripe, subscription_id)  # cancels it: the client is deleted

    async def lead_outcome(self, message: Delivered[LeadOutcomeRecorded], ctx: HandlerContext) -> None:
        p = message.body
        await lead_outcomes.record(ctx.connection, p.client_id, p.lead_id, p.outcome, p.job_value_cents, p.decided_at)
