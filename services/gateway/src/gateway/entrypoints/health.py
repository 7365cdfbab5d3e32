"""Health for orchestrators: alive, and ready (identity answers and identity.events is followed)."""
from __future__ import annotations

from fastapi.responses import JSONResponse

from gateway.adapters.services import Unavailable
from gateway.domain.rules import Public
from gateway.entrypoints.dependencies import GatewayDep
from gateway.entrypoints.route_table import RouteTable

table = RouteTable(include_in_schema=False)


@table.get("/healthz", rule=Public("health"))
async def healthz():
    return {"status": "ok"}


@table.get("/readyz", rule=Public("readiness"))
async def readyz(gw: GatewayDep):
    try:
        identity = (await gw.identity.call("GET", "/healthz")).status_code == 200
    except Unavailable:
        identity = False
    feed = gw.access.cache.live()
    live = gw.live_feed.live()  # open pages hear of new messages and claims
    status = 200 if identity and feed and live else 503
    return JSONResponse({"status": "ready" if status == 200 else "unavailable", "identity": identity,
                         "identity_events_followed": feed, "live_events_followed": live}, status_code=status)
