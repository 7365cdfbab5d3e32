"""A number we released stops costing money: each `ReleaseNumber` (published with
`NumberReleased`) releases it at Twilio too.

Consumed from messaging's own queue, `messaging.number-releases`, by the sender's group
(everything that calls Twilio), so a Twilio outage leaves releases waiting as lag beside the
sends, and a release is retried until Twilio has done it — or refuses for good: then
`NumberReleaseRefused` tells the operators (identity alerts them) and the message is done.
"""
from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters.twilio_sender import TwilioSender
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered
from revgen_common.contracts.messaging import NumberReleaseRefused, ReleaseNumber
from revgen_common.errors import PermanentError
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class NumberReleases:
    def __init__(self, twilio: TwilioSender, engine: AsyncEngine, clock: Clock):
        self.twilio = twilio
        self.engine = engine
        self.clock = clock

    async def release(self, message: Delivered[ReleaseNumber]) -> None:
        number = message.body.number
        try:
            released = await self.twilio.release_number(number)
        except PermanentError as refusal:
            await self._refused(message, str(refusal))
            return
        log.info("number %s released at twilio (%d owned)", number, released)

    async def _refused(self, message: Delivered[ReleaseNumber], reason: str) -> None:
        log.error("twilio refused to release %s: %s", message.body.number, reason)
        try:
            async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
                # Its id is the release's: told again after a crash, it is the same event.
                uow.publish(NumberReleaseRefused(client_id=message.body.client_id,
                                                 number=message.body.number, reason=reason[:500]),
                            event_id=uuid.uuid5(message.event_id, "refused"))
                await uow.commit()
        except IntegrityError:  # already in the outbox: published once is enough
            pass
