"""A number we released stops costing money: each `ReleaseNumber` (published with
`NumberReleased`) releases it at Twilio too.

Consumed from messaging's own queue, `messaging.number-releases`, by the sender's group
(everything that calls Twilio), so a Twilio outage leaves releases waiting as lag beside the
sends, and a release is retried until Twilio has done it.
"""
from __future__ import annotations

import logging

from messaging.adapters.twilio_sender import TwilioSender
from revgen_common.envelope import Envelope

log = logging.getLogger(__name__)


class NumberReleases:
    def __init__(self, twilio: TwilioSender):
        self.twilio = twilio

    async def release(self, message: Envelope) -> None:
        number = message.payload["number"]
        released = await self.twilio.release_number(number)
        log.info("number %s released at twilio (%d owned)", number, released)
