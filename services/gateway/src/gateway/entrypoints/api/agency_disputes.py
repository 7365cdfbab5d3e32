"""/api/v1 every disputed charge of an agency's clients (billing's, which learns each client's
agency from identity's ClientCreated), newest first, a keyset page at a time."""
from __future__ import annotations

import uuid

from pydantic import Field

from gateway.domain.rules import InAgency
from gateway.entrypoints.api.accounts import Dispute
from gateway.entrypoints.dependencies import DEFAULT_PAGE, Cursor, GatewayDep, Limit
from gateway.entrypoints.route_table import RouteTable
from revgen_common.contracts.permissions import Permission
from revgen_common.pagination import Page

table = RouteTable(prefix="/api/v1", tags=["billing"])
AGENCY_BILLING = InAgency(Permission.BILLING_MANAGE)


class AgencyDispute(Dispute):
    client_id: uuid.UUID = Field(description="the agency's client whose charge it is (deleted clients' included)")


@table.get("/agencies/{agency_id}/disputes", rule=AGENCY_BILLING, response_model=Page[AgencyDispute])
async def list_agency_disputes(agency_id: uuid.UUID, gw: GatewayDep, limit: Limit = DEFAULT_PAGE,
                               cursor: Cursor = None):
    """Every disputed charge of the agency's clients, newest first."""
    return (await gw.billing.json("GET", f"/agencies/{agency_id}/disputes",
                                  params={"limit": limit, "cursor": cursor}))[1]
