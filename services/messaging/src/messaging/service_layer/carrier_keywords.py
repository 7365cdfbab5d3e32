"""Carrier keywords in an inbound SMS (STOP in any words, START, HELP): recorded with the
caller's transaction and confirmed once (FCC 24-18); a STOP also cancels the lead's scheduled
messages. A "yes" that re-subscribes nobody is an answer, not a keyword."""
from __future__ import annotations

from messaging.adapters import scheduled_messages
from messaging.domain.compliance import PLATFORM
from messaging.domain.keywords import CONFIRMATIONS, Keyword, keyword_of
from messaging.service_layer import consent
from messaging.service_layer.lead_intake import Lead
from messaging.service_layer.sends import Outgoing, enqueue
from revgen_common.clock import Clock
from revgen_common.unit_of_work import Transaction


class CarrierKeywords:
    def __init__(self, clock: Clock):
        self.clock = clock

    async def handle(self, uow: Transaction, scope: str, raw: dict, lead: Lead | None, business: str,
                     opted_out: bool) -> bool:
        """Records and confirms a carrier keyword; False when the message is not one (then it is answered)."""
        keyword = keyword_of(raw.get("Body", ""))
        phone = lead.phone if lead else raw["From"]
        if keyword is None or (keyword is Keyword.OPT_IN and not opted_out):
            return False  # "yes" to a question is an answer, not a re-subscription
        if keyword is Keyword.OPT_OUT:
            if not await consent.opt_out(uow, scope, phone, "message", self.clock(), raw["MessageSid"]):
                return True  # confirmed the first time; one confirmation and nothing more (FCC 24-18)
            if lead is not None:
                await scheduled_messages.cancel_pending_for_lead(uow.connection, lead.id)
        elif keyword is Keyword.OPT_IN:
            await consent.opt_in(uow, scope, phone, self.clock(), raw["MessageSid"])
        purpose = "compliance" if keyword is Keyword.OPT_OUT else "reply"
        await enqueue(uow, [Outgoing(f"keyword:{raw['MessageSid']}", phone, raw["To"],
                                     CONFIRMATIONS[keyword].format(business=business or "us"), purpose,
                                     None if scope == PLATFORM else scope, lead.id if lead else None)])
        return True
