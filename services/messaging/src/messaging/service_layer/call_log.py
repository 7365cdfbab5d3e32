"""Calls in the lead's conversation: ingress's call status and voice's events (how each call
ended, the voicemail it left). A missed call gets one speed-to-lead text whichever path
reports it (the send is unique by the CallSid)."""
from __future__ import annotations

from typing import Any

from messaging.adapters import call_records
from messaging.service_layer.lead_intake import LeadIntake
from messaging.service_layer.speed_to_lead import SpeedToLead
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.voice import CallEnded, VoicemailRecorded
from revgen_common.contracts.webhooks import TwilioCallStatusReceived

MISSED_CALL = frozenset({"no-answer", "busy", "failed", "canceled"})


class CallLog:
    def __init__(self, intake: LeadIntake, speed_to_lead: SpeedToLead):
        self.intake = intake
        self.speed_to_lead = speed_to_lead

    async def call_status(self, status_received: Delivered[TwilioCallStatusReceived], ctx: HandlerContext) -> None:
        raw: dict[str, Any] = status_received.body.raw  # Twilio's parameters, verbatim
        status = raw.get("DialCallStatus") or raw.get("CallStatus")
        if status in MISSED_CALL:
            await self.speed_to_lead.missed_call(ctx, raw["To"], raw["From"], raw["CallSid"])

    async def call_ended(self, event: Delivered[CallEnded], ctx: HandlerContext) -> None:
        call = event.body
        if (found := await self.intake.call_from(ctx, call.client_number, call.lead_phone)) is None:
            return  # a number no client has any more
        client, lead = found
        await call_records.call_ended(ctx.connection, call.call_sid, client.client_id, lead.id, call.outcome,
                                      call.status, call.duration_seconds, call.person_id, call.ended_at)
        if call.outcome == "missed":
            await self.speed_to_lead.missed_call(ctx, call.client_number, call.lead_phone, call.call_sid)

    async def voicemail_recorded(self, event: Delivered[VoicemailRecorded], ctx: HandlerContext) -> None:
        voicemail = event.body
        if (found := await self.intake.call_from(ctx, voicemail.client_number, voicemail.lead_phone)) is None:
            return
        client, lead = found
        await call_records.voicemail(ctx.connection, voicemail.call_sid, client.client_id, lead.id,
                                     voicemail.recording_sid, voicemail.recording_url, voicemail.duration_seconds,
                                     voicemail.recorded_at)
