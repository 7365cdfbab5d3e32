"""What voice's consumer applies (topics.VOICE_GROUP), by message contract: other services'
events kept in the read model calls are answered from (service_layer/read_model.py)."""
from __future__ import annotations

from revgen_common.consumer import Handlers
from revgen_common.contracts import identity, messaging
from voice.service_layer import read_model


def handlers() -> Handlers:
    return {
        messaging.BusinessHoursSet: read_model.business_hours_set,
        messaging.NumberReleased: read_model.number_released,
        messaging.EscalationRequested: read_model.lead_named,
        identity.ClientCreated: read_model.client_named,
        identity.ClientUpdated: read_model.client_named,
        identity.MemberAdded: read_model.member_added,
        identity.MemberRoleChanged: read_model.member_role_changed,
        identity.MemberDeactivated: read_model.member_deactivated,
        identity.ClientDeleted: read_model.client_deleted,
    }
