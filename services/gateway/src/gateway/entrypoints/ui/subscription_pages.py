"""What an owner does to a subscription after subscribing, from the billing page: change the
plan, pause and resume collection, cancel now (cancelling at the end of the period is
billing_pages'). Each button's confirmation says what follows; each form carries the page's
idempotency key, so a form sent twice acts once."""
from __future__ import annotations

from gateway.domain.rules import OnClientOf
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.api.billing import SUBSCRIPTION, SubscriptionId
from gateway.entrypoints.dependencies import CallerDep, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.billing_pages import Key, PlanId
from gateway.entrypoints.ui.render import see_other

table = RouteTable(include_in_schema=False)
RULE: OnClientOf = SUBSCRIPTION


@table.post("/subscriptions/{subscription_id}/change-plan", rule=RULE)
async def change_plan(subscription_id: SubscriptionId, plan_id: PlanId, idempotency_key: Key, gw: GatewayDep,
                      caller: CallerDep):
    return await _act(gw, caller, subscription_id, "change-plan", idempotency_key, "plan-changed",
                      json={"plan_id": plan_id})


@table.post("/subscriptions/{subscription_id}/pause", rule=RULE)
async def pause(subscription_id: SubscriptionId, idempotency_key: Key, gw: GatewayDep, caller: CallerDep):
    return await _act(gw, caller, subscription_id, "pause", idempotency_key, "paused")


@table.post("/subscriptions/{subscription_id}/resume", rule=RULE)
async def resume(subscription_id: SubscriptionId, idempotency_key: Key, gw: GatewayDep, caller: CallerDep):
    return await _act(gw, caller, subscription_id, "resume", idempotency_key, "resumed")


@table.post("/subscriptions/{subscription_id}/cancel-now", rule=RULE)
async def cancel_now(subscription_id: SubscriptionId, idempotency_key: Key, gw: GatewayDep, caller: CallerDep):
    return await _act(gw, caller, subscription_id, "cancel", idempotency_key, "cancelled",
                      json={"at_period_end": False})


async def _act(gw: Gateway, caller: Caller, subscription_id: str, action: str, key: str, outcome: str, json: dict | None = None):
    # Billing keys each Stripe call by this key and the action, so one page's pause and resume are two acts.
    await gw.billing.json("POST", f"/subscriptions/{subscription_id}/{action}", json=json,
                          headers={"Idempotency-Key": f"{caller.client_id}:{key}"})
    return see_other(f"/clients/{caller.client_id}/billing?outcome={outcome}")
