"""A number we released stops costing money: each `NumberReleased` releases it at Twilio too.

Consumed from messaging's own events by its own group, so a Twilio outage delays only these
releases (the backlog waits as lag) and a release is retried until Twilio has done it.
"""
from __future__ import annotations

import logging

from messaging.adapters.twilio_sender import TwilioSender
from revgen_common.envelope import Envelope

log = logging.getLogger(__name__)


class NumberReleases:
    def __init__(self, twilio: TwilioSender):
        self.twilio = twilio

    async def number_released(self, message: Envelope) -> None:
        number = message.payload["number"]
        released = await self.twilio.release_number(number)
        log.info("number %s released at twilio (%d owned)", number, released)
