"""What escalation's consumer applies (topics.ESCALATION_GROUP), by message contract: requests
for a person and answered calls become escalations; identity's roster and messaging's hours
and consent keep who may be told, and when (service_layer/escalations.py)."""
from __future__ import annotations

from escalation.service_layer.escalations import Escalations
from revgen_common.consumer import Handlers
from revgen_common.contracts import identity, messaging, voice


def handlers(escalations: Escalations) -> Handlers:
    return {
        messaging.EscalationRequested: escalations.request,
        identity.MemberAdded: escalations.member_added,
        identity.MemberRoleChanged: escalations.member_role_changed,
        identity.MemberDeactivated: escalations.member_deactivated,
        messaging.BusinessHoursSet: escalations.business_hours_set,
        identity.ClientDeleted: escalations.client_deleted,
        messaging.LeadOptedOut: escalations.lead_opted_out,
        messaging.LeadOptedIn: escalations.lead_opted_in,
        voice.CallAnswered: escalations.call_answered,
        messaging.LeadDoNotContactChanged: escalations.lead_do_not_contact_changed,
    }
