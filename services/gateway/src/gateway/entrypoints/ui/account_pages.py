"""A client's disputes and its conversions and return on spend (B6), for those who manage its
billing; for operators, the discrepancies reconciliation found between Stripe and billing,
and a button that runs it now. All from billing's read side (its own data, never Stripe's
on each page view)."""
from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import Query, Request

from gateway.domain.rules import OnClient, OnPlatform
from gateway.entrypoints.dependencies import CallerDep, Cursor, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
CLIENT_BILLING = OnClient(Permission.BILLING_MANAGE)
OPERATIONS = OnPlatform(Permission.OPERATIONS_RUN)


@table.get("/clients/{client_id}/disputes", rule=CLIENT_BILLING)
async def disputes_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                        cursor: Cursor = None):
    here, (_, disputes) = await asyncio.gather(client_context(gw, caller, client_id), gw.billing.json(
        "GET", f"/clients/{client_id}/disputes", params={"limit": 50, "cursor": cursor}))
    return render(request, "disputes.html", here=here, client=here.client, disputes=disputes)


@table.get("/clients/{client_id}/conversions", rule=CLIENT_BILLING)
async def conversions_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    here, (_, figures) = await asyncio.gather(client_context(gw, caller, client_id),
                                              gw.billing.json("GET", f"/clients/{client_id}/conversions"))
    return render(request, "conversions.html", here=here, client=here.client, figures=figures)


@table.get("/discrepancies", rule=OPERATIONS)
async def discrepancies_page(request: Request, gw: GatewayDep, cursor: Cursor = None,
                             found: Annotated[int | None, Query(ge=0, le=1_000_000)] = None):
    discrepancies = (await gw.billing.json("GET", "/discrepancies", params={"limit": 50, "cursor": cursor}))[1]
    return render(request, "discrepancies.html", discrepancies=discrepancies, found=found)


@table.post("/discrepancies/reconcile", rule=OPERATIONS)
async def reconcile_now(gw: GatewayDep):
    report = (await gw.billing.json("POST", "/reconciliation"))[1]
    return see_other(f"/discrepancies?found={len(report['drifts'])}")
