"""Escalation's events (`escalation.events`, keyed by client): one per step of a hot lead."""
from __future__ import annotations

from revgen_common.contracts.base import Event
from revgen_common.topics import ESCALATION_EVENTS

PRODUCED_BY = ("escalation",)  # the services that publish these (the AsyncAPI document says so)


class EscalationOutcome(Event, abstract=True, topic=ESCALATION_EVENTS):
    escalation_id: str
    client_id: str
    request_id: str
    person_id: str | None = None

    def key(self) -> str:
        return self.client_id


class EscalationCreated(EscalationOutcome):
    pass


class EscalationClaimed(EscalationOutcome):
    pass


class EscalationReleased(EscalationOutcome):
    pass


class EscalationResolved(EscalationOutcome):
    pass


class EscalationExpired(EscalationOutcome):
    pass


class EscalationWithdrawn(EscalationOutcome):
    """The lead opted out while it waited: no one is to call them."""
