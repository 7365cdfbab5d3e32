"""Calls in the lead's conversation, from voice's events: how each call ended and the
voicemail it left. A missed call gets the same one speed-to-lead text as one ingress
reports (the send is unique by the CallSid)."""
from __future__ import annotations

from datetime import datetime

from messaging.adapters import call_records
from messaging.service_layer.speed_to_lead import SpeedToLead
from revgen_common.envelope import Envelope
from revgen_common.unit_of_work import Transaction


class CallLog:
    def __init__(self, conversations: SpeedToLead):
        self.conversations = conversations

    async def call_ended(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        if (found := await self.conversations.call_from(uow, p["client_number"], p["lead_phone"])) is None:
            return  # a number no client has any more
        client, lead = found
        await call_records.call_ended(uow.connection, p["call_sid"], client.client_id, lead.id, p["outcome"],
                                      p["status"], p["duration_seconds"], p.get("person_id"),
                                      datetime.fromisoformat(p["ended_at"]))
        if p["outcome"] == "missed":
            await self.conversations.missed_call(uow, p["client_number"], p["lead_phone"], p["call_sid"])

    async def voicemail_recorded(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        if (found := await self.conversations.call_from(uow, p["client_number"], p["lead_phone"])) is None:
            return
        client, lead = found
        await call_records.voicemail(uow.connection, p["call_sid"], client.client_id, lead.id, p["recording_sid"],
                                     p["recording_url"], p["duration_seconds"], datetime.fromisoformat(p["recorded_at"]))
