"""The shapes of identity's answers, as its OpenAPI document shows them (http.py and
agency_http.py). Moments the service layer already wrote as text (the session's end, an
audit entry's time) stay as written (MomentText)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from identity.domain.alerts import Preference
from revgen_common.api_output import MomentText, OutputModel

ClientStatus = Literal["active", "paused"]


class Person(OutputModel):
    id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    alert_channels: Preference


class PlatformRole(OutputModel):
    role: str
    permissions: list[str]


class AgencyRole(OutputModel):
    agency_id: uuid.UUID
    name: str
    role: str
    permissions: list[str]


class ClientRole(OutputModel):
    client_id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    status: ClientStatus
    role: str
    permissions: list[str]


class Me(OutputModel):
    person: Person
    platform_roles: list[PlatformRole]
    agencies: list[AgencyRole] = Field(description="agency roles reach every client of the agency")
    clients: list[ClientRole] = Field(description="roles in one client each")
    session_expires_at: MomentText


class Client(OutputModel):
    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    status: ClientStatus


class ClientDetail(Client):
    created_at: datetime
    updated_at: datetime


class Member(OutputModel):
    """A member of a client's team or of an agency's."""
    person_id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    role: str
    active: bool


class AuditEntry(OutputModel):
    at: MomentText
    action: str = Field(description="create, update, delete, add, deactivate …")
    entity: str = Field(description="client, client_membership, lead or agency_membership")
    entity_id: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    before: dict[str, Any] | None = Field(description="what it was before the change")
    after: dict[str, Any] | None
