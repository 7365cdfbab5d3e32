"""What escalation's consumer applies (topics.ESCALATION_GROUP), by message contract: requests
for a person and answered calls become escalations (service_layer/escalations.py); identity's
roster and messaging's hours keep who may be told, and when (service_layer/roster.py); messaging's
consent withdraws a lead's escalations (service_layer/lead_consent.py)."""
from __future__ import annotations

from escalation.service_layer import lead_consent
from escalation.service_layer.escalations import Escalations
from escalation.service_layer.roster import Roster
from revgen_common.consumer import Handlers
from revgen_common.contracts import identity, messaging, voice


def handlers(escalations: Escalations, roster: Roster) -> Handlers:
    return {
        messaging.EscalationRequested: escalations.request,
        identity.MemberAdded: roster.member_added,
        identity.MemberRoleChanged: roster.member_role_changed,
        identity.MemberDeactivated: roster.member_deactivated,
        messaging.BusinessHoursSet: roster.business_hours_set,
        identity.ClientDeleted: roster.client_deleted,
        messaging.LeadOptedOut: lead_consent.lead_opted_out,
        messaging.LeadOptedIn: lead_consent.lead_opted_in,
        voice.CallAnswered: escalations.call_answered,
        messaging.LeadDoNotContactChanged: lead_consent.lead_do_not_contact_changed,
    }
