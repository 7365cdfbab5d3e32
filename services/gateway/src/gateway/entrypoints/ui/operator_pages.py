"""The operators' page: consumer lag per group and the dead letters waiting, the same
figures as `revgen lag` and `revgen dlq list` (revgen_ops)."""
from __future__ import annotations

import asyncio

from fastapi import Request

from gateway.domain.rules import OnPlatform
from gateway.entrypoints.dependencies import Cursor, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.render import render
from gateway.service_layer import operations
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)


@table.get("/operations", rule=OnPlatform(Permission.OPERATIONS_RUN))
async def operations_page(request: Request, gw: GatewayDep, cursor: Cursor = None):
    bootstrap = gw.settings.kafka_bootstrap_servers
    groups, letters = await asyncio.gather(operations.lag(bootstrap),
                                           operations.letters(bootstrap, None, 50, cursor))
    return render(request, "operations.html", groups=groups, letters=letters)
