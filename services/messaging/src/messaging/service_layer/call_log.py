"""Calls in the lead's conversation: ingress's call status and voice's events (how each call
ended, the voicemail it left). A missed call gets one speed-to-lead text whichever path
reports it (the send is unique by the CallSid)."""
from __future__ import annotations

from datetime import datetime

from messaging.adapters import call_records
from messaging.service_layer.lead_intake import LeadIntake
from messaging.service_layer.speed_to_lead import SpeedToLead
from revgen_common.envelope import Envelope
from revgen_common.unit_of_work import Transaction

MISSED_CALL = frozenset({"no-answer", "busy", "failed", "canceled"})


class CallLog:
    def __init__(self, intake: LeadIntake, speed_to_lead: SpeedToLead):
        self.intake = intake
        self.speed_to_lead = speed_to_lead

    async def call_status(self, message: Envelope, uow: Transaction) -> None:
        raw = message.payload["raw"]
        status = raw.get("DialCallStatus") or raw.get("CallStatus")
        if status in MISSED_CALL:
            await self.speed_to_lead.missed_call(uow, raw["To"], raw["From"], raw["CallSid"])

    async def call_ended(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        if (found := await self.intake.call_from(uow, p["client_number"], p["lead_phone"])) is None:
            return  # a number no client has any more
        client, lead = found
        await call_records.call_ended(uow.connection, p["call_sid"], client.client_id, lead.id, p["outcome"],
                                      p["status"], p["duration_seconds"], p.get("person_id"),
                                      datetime.fromisoformat(p["ended_at"]))
        if p["outcome"] == "missed":
            await self.speed_to_lead.missed_call(uow, p["client_number"], p["lead_phone"], p["call_sid"])

    async def voicemail_recorded(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        if (found := await self.intake.call_from(uow, p["client_number"], p["lead_phone"])) is None:
            return
        client, lead = found
        await call_records.voicemail(uow.connection, p["call_sid"], client.client_id, lead.id, p["recording_sid"],
                                     p["recording_url"], p["duration_seconds"], datetime.fromisoformat(p["recorded_at"]))
