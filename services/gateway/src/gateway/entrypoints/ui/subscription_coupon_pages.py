"""The billing page's coupon button on a live subscription (the form is
templates/_subscription_coupon.html): the code typed is applied at Stripe once, whatever the
number of clicks (the page's idempotency key); a refusal (inactive, expired, used up, already
applied) is shown with its reason and status (entrypoints/errors.py)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Form

from gateway.entrypoints.api.billing import SUBSCRIPTION, SubscriptionId
from gateway.entrypoints.dependencies import CallerDep, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.billing_pages import Key
from gateway.entrypoints.ui.render import see_other

table = RouteTable(include_in_schema=False)
Code = Annotated[str, Form(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]+$")]


@table.post("/subscriptions/{subscription_id}/coupon", rule=SUBSCRIPTION)
async def apply_coupon(subscription_id: SubscriptionId, coupon_id: Code, idempotency_key: Key, gw: GatewayDep,
                       caller: CallerDep):
    await gw.billing.json("POST", f"/subscriptions/{subscription_id}/coupon", json={"coupon_id": coupon_id},
                          headers={"Idempotency-Key": f"{caller.client_id}:{idempotency_key}"})
    return see_other(f"/clients/{caller.client_id}/billing?outcome=coupon-applied")
