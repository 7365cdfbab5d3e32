"""Identity's events (`identity.events`, keyed by client): the tenants and their teams."""
from __future__ import annotations

from revgen_common.contracts.base import Event
from revgen_common.topics import IDENTITY_EVENTS

PRODUCED_BY = ("identity",)  # the services that publish these (the AsyncAPI document says so)


class ClientEvent(Event, abstract=True, topic=IDENTITY_EVENTS):
    client_id: str

    def key(self) -> str:
        return self.client_id


class ClientCreated(ClientEvent):
    agency_id: str
    name: str


class ClientUpdated(ClientEvent):
    name: str
    status: str


class ClientDeleted(ClientEvent):
    deleted_by: str


class MemberAdded(ClientEvent):
    person_id: str
    role: str
    name: str
    phone: str | None = None
    email: str | None = None


class MemberRoleChanged(ClientEvent):
    person_id: str
    role: str


class MemberDeactivated(ClientEvent):
    person_id: str


class AgencyEvent(Event, abstract=True, topic=IDENTITY_EVENTS):
    """About an agency's own team, whose roles reach every client of the agency: keyed by
    the agency. A person removed from the agency leaves its clients' teams too, each with its
    own MemberDeactivated (ADR 0022)."""

    agency_id: str
    person_id: str

    def key(self) -> str:
        return self.agency_id


class AgencyMemberAdded(AgencyEvent):
    role: str


class AgencyMemberRoleChanged(AgencyEvent):
    role: str


class AgencyMemberDeactivated(AgencyEvent):
    pass


class PersonEvent(Event, abstract=True, topic=IDENTITY_EVENTS):
    """About a person, not a client: keyed by the person."""

    person_id: str

    def key(self) -> str:
        return self.person_id


class SessionRevoked(PersonEvent):
    """A person logged out: gateways forget what they cached for them."""

    session_id: str


class PlatformRoleGranted(PersonEvent):
    """A person became one of RevGen's operators."""

    role: str
