"""What happened at a client: the report (seven days at a time where the client is, the last
first, older ones a page back: leads, leads answered, first reply time, texts in and out, from
messaging's daily figures) and the
audit log (identity's: who changed the client or its team, when, with the before-image).
Conversions and return on spend (B6) are account_pages': they weigh what the client paid."""
from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import Query, Request

from gateway.adapters.services import Refused
from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import CallerDep, Cursor, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render
from revgen_common.api_input import IsoDate
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
DAYS = 7


@table.get("/clients/{client_id}/reports", rule=OnClient(Permission.LEADS_READ))
async def report_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                      before: Annotated[IsoDate | None, Query(description="the seven days before this day")] = None):
    here = await client_context(gw, caller, client_id)
    usage = f"/clients/{client_id}/usage"
    try:
        today = (await gw.messaging.json("GET", usage))[1]
    except Refused as refused:
        if refused.status != 404:
            raise
        return render(request, "reports.html", here=here, client=here.client, today=None, days=[])
    current = date.fromisoformat(today["day"])
    # A page is seven days, newest first; `before` pages back (a day is its own key: page 100 costs page 1's).
    first = min(before - timedelta(days=1), current) if before else current
    earlier = await asyncio.gather(*(gw.messaging.json("GET", usage, params={"day": (first - timedelta(days=n)).isoformat()})
                                     for n in range(0 if first < current else 1, DAYS)))
    days = [*([today] if first == current else []), *(answer for _, answer in earlier)]
    return render(request, "reports.html", here=here, client=here.client, today=today, days=days,
                  newer=(first + timedelta(days=DAYS + 1)).isoformat() if first < current else None)


@table.get("/clients/{client_id}/audit", rule=OnClient(Permission.CLIENT_UPDATE))
async def audit_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep, cursor: Cursor = None):
    here, entries = await asyncio.gather(client_context(gw, caller, client_id), gw.identity.as_person(
        caller.token, "GET", f"/clients/{client_id}/audit", params={"limit": 50, "cursor": cursor}))
    return render(request, "audit.html", here=here, client=here.client, entries=entries)
