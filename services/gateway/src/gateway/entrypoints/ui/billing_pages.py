"""Billing: a client's subscriptions (subscribe, cancel at the end of the period) and
invoices; the plan catalogue for operators (offer a plan, stop offering it). Each form
carries an idempotency key made when the page was drawn, so a resent form acts once."""
from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import Form, Request

from gateway.adapters.services import Refused, reason_of
from gateway.domain.rules import OnClient, OnPlatform
from gateway.entrypoints.api.billing import SUBSCRIPTION, CatalogId, NewPlan, SubscriptionId
from gateway.entrypoints.dependencies import CallerDep, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
Key = Annotated[str, Form(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
PlanId = Annotated[str, Form(min_length=1, max_length=64)]
Email = Annotated[str, Form(max_length=320)]
CouponCode = Annotated[str, Form(max_length=64)]
CATALOG = OnPlatform(Permission.CATALOG_MANAGE)


@table.get("/clients/{client_id}/billing", rule=OnClient(Permission.BILLING_MANAGE))
async def billing_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                       outcome: str | None = None):
    here, subscriptions, invoices, plans = await asyncio.gather(
        client_context(gw, caller, client_id),
        gw.billing.json("GET", "/subscriptions", params={"client_id": str(client_id), "limit": 50}),
        gw.billing.json("GET", f"/clients/{client_id}/invoices", params={"limit": 50}),
        gw.billing.json("GET", "/plans", params={"limit": 100}))
    return render(request, "billing.html", here=here, client=here.client, subscriptions=subscriptions[1]["data"],
                  invoices=invoices[1], plans=plans[1]["data"], key=uuid.uuid4().hex, outcome=outcome)


@table.post("/clients/{client_id}/billing/subscribe", rule=OnClient(Permission.BILLING_MANAGE))
async def subscribe(client_id: uuid.UUID, plan_id: PlanId, idempotency_key: Key, gw: GatewayDep, caller: CallerDep,
                    email: Email = "", coupon_id: CouponCode = ""):
    answer = await gw.billing.call("POST", "/subscriptions", json={
        "client_id": str(client_id), "plan_id": plan_id, "email": email.strip() or None,
        "coupon_id": coupon_id.strip() or None},
        headers={"Idempotency-Key": f"{client_id}:{idempotency_key}"})
    reason, body = reason_of(answer)
    if answer.status_code >= 400 and "command_id" not in body:
        raise Refused(answer.status_code, reason, body)
    outcome = {201: "subscribed", 202: "waiting-on-stripe"}.get(answer.status_code, "refused")
    return see_other(f"/clients/{client_id}/billing?outcome={outcome}")


@table.post("/subscriptions/{subscription_id}/cancel-at-period-end", rule=SUBSCRIPTION)
async def cancel(subscription_id: SubscriptionId, idempotency_key: Key, gw: GatewayDep, caller: CallerDep):
    await gw.billing.json("POST", f"/subscriptions/{subscription_id}/cancel", json={"at_period_end": True},
                          headers={"Idempotency-Key": f"{caller.client_id}:{idempotency_key}"})
    return see_other(f"/clients/{caller.client_id}/billing?outcome=cancelling")


@table.get("/plans", rule=CATALOG)
async def plans_page(request: Request, gw: GatewayDep):
    plans = (await gw.billing.json("GET", "/plans", params={"show": "all", "limit": 100}))[1]
    return render(request, "plans.html", plans=plans)


@table.post("/plans", rule=CATALOG)
async def create_plan(request: Request, gw: GatewayDep):
    data = await request.form()
    try:
        plan = NewPlan.model_validate({k: str(data.get(k, "")).strip() for k in
                                       ("id", "name", "amount_cents", "currency", "interval", "trial_days")})
    except ValueError as error:
        plans = (await gw.billing.json("GET", "/plans", params={"show": "all", "limit": 100}))[1]
        return render(request, "plans.html", status=422, plans=plans, error=str(error))
    await gw.billing.json("POST", "/plans", json=plan.model_dump(mode="json"))
    return see_other("/plans")


@table.post("/plans/{plan_id}/deactivate", rule=CATALOG)
async def deactivate_plan(plan_id: CatalogId, gw: GatewayDep):
    await gw.billing.json("POST", f"/plans/{plan_id}/deactivate")
    return see_other("/plans")
