"""A client's live stream (server-sent events) for its open pages: each notice says what
changed (an event's type and the lead's number), fed from Kafka (adapters/live_events.py),
never from polling the database. The page then asks for itself again through the gateway,
so what it shows is authorized like any request; the stream too is re-authorized with every
notice, and ends when the person may no longer read the client."""
from __future__ import annotations

import asyncio
import json
import time
import uuid

from fastapi.responses import StreamingResponse

from gateway.domain.decisions import Outcome, Unauthenticated
from gateway.domain.rules import OnClient
from gateway.entrypoints.dependencies import CallerDep, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
HEARTBEAT_SECONDS = 15.0  # a comment line keeps proxies from closing an idle stream
LIFETIME_SECONDS = 300.0  # then the browser reconnects (EventSource does so itself), and is authorized again
RETRY_MS = 2000


@table.get("/clients/{client_id}/live", rule=OnClient(Permission.LEADS_READ))
async def live(client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    return StreamingResponse(_notices(str(client_id), gw, caller.token), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _notices(client_id: str, gw: Gateway, token: str):
    ends = time.monotonic() + LIFETIME_SECONDS
    async with gw.hub.subscribe(client_id) as changes:
        yield f"retry: {RETRY_MS}\nevent: ready\ndata: {{}}\n\n"  # subscribed: nothing from now on is missed
        while time.monotonic() < ends:  # a browser that goes away: Starlette cancels this
            try:
                change = await asyncio.wait_for(changes.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": still here\n\n"
                continue
            if not await _still_allowed(gw, token, client_id):
                yield "event: refused\ndata: {}\n\n"
                return
            yield f"event: change\ndata: {json.dumps({'kind': change.kind, 'lead_phone': change.lead_phone})}\n\n"


async def _still_allowed(gw: Gateway, token: str, client_id: str) -> bool:
    try:
        decision = await gw.access.decide(token, "client", client_id, Permission.LEADS_READ.value)
    except Unauthenticated:
        return False
    return decision.outcome is Outcome.ALLOWED
