"""Every client's disputes on one page, for an agency's billing people (billing:manage in the
agency): newest first, each with its client (named by identity; a deleted one says so)."""
from __future__ import annotations

import asyncio
import uuid

from fastapi import Request

from gateway.adapters.services import Refused
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.api.agency_disputes import AGENCY_BILLING
from gateway.entrypoints.dependencies import CallerDep, Cursor, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.render import render

table = RouteTable(include_in_schema=False)


@table.get("/agencies/{agency_id}/disputes", rule=AGENCY_BILLING)
async def agency_disputes_page(request: Request, agency_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                               cursor: Cursor = None):
    me, disputes = await asyncio.gather(gw.identity.me(caller.token), gw.billing.json(
        "GET", f"/agencies/{agency_id}/disputes", params={"limit": 50, "cursor": cursor}))
    agency = next(a for a in me["agencies"] if a["agency_id"] == str(agency_id))
    client_ids = sorted({d["client_id"] for d in disputes[1]["data"]})
    names = dict(zip(client_ids, await asyncio.gather(*(_name(gw, caller, c) for c in client_ids)), strict=True))
    return render(request, "agency_disputes.html", agency=agency, disputes=disputes[1], names=names)


async def _name(gw: Gateway, caller: Caller, client_id: str) -> str | None:
    try:
        return (await gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}"))["name"]
    except Refused as refused:
        if refused.status != 404:
            raise
        return None  # deleted since: its disputes stay the agency's to answer
