"""/api/v1 operations (the operator role): consumer lag per group and the dead letters,
the figures `revgen lag` and `revgen dlq list` show."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from gateway.domain.rules import OnPlatform
from gateway.entrypoints.dependencies import DEFAULT_PAGE, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from gateway.service_layer import operations
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1/operations", tags=["operations"])
OPERATORS = OnPlatform(Permission.OPERATIONS_RUN)


class PartitionLag(BaseModel):
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int
    lag_seconds: float
    status: str
    reason: str


class GroupLag(BaseModel):
    group: str
    state: str
    status: str
    lag: int
    lag_seconds: float
    members: int
    partitions: list[PartitionLag]


class DeadLetter(BaseModel):
    address: str
    consumer: str
    event_id: str | None
    event_type: str | None
    topic: str
    error_class: str
    error_message: str
    dead_lettered_at: datetime


@table.get("/lag", rule=OPERATORS, response_model=list[GroupLag])
async def lag(gw: GatewayDep):
    """Every consumer group's lag and status, worst first (as `revgen lag`)."""
    return await operations.lag(gw.settings.kafka_bootstrap_servers)


@table.get("/dead-letters", rule=OPERATORS, response_model=Page[DeadLetter])
async def dead_letters(gw: GatewayDep, consumer: Annotated[str | None, Query(max_length=100)] = None,
                       limit: Limit = DEFAULT_PAGE, cursor: Cursor = None):
    """The dead letters, newest first (as `revgen dlq list`)."""
    return await operations.letters(gw.settings.kafka_bootstrap_servers, consumer, limit, cursor)
