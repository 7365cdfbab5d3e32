"""E-mail, beside SMS (ADR 0018): a `SendMessage` to an address is queued once per command in
`email_sends` and on `messaging.emails`; its own consumer decides (suppressed address,
suspended client), claims, and sends through Resend with the send's id as the
Idempotency-Key, so a retry after a lost answer is the same e-mail, never a second one."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from messaging import SERVICE
from messaging.adapters import email_sends
from messaging.adapters.resend_sender import EmailRejected, ResendSender
from messaging.domain.emails import InvalidAddress, blocked_reason, normalize_address, subject_for
from messaging.service_layer.service_states import ServiceStates
from revgen_common.clock import Clock
from revgen_common.consumer import Delivered
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.messaging import EmailRequested, EmailSent, MessageBlocked, MessageCanceled
from revgen_common.errors import PermanentError
from revgen_common.unit_of_work import Transaction, UnitOfWork


async def enqueue(uow: Transaction, source_key: str, command: SendMessage) -> None:
    """Queue the e-mail in the caller's transaction; a second command with the same source is skipped."""
    try:
        to = normalize_address(command.to)
    except InvalidAddress as error:
        raise PermanentError(str(error)) from error  # dead-lettered with the reason
    send_id = await email_sends.insert(uow.connection, source_key=source_key, client_id=command.client_id, to=to,
                                       subject=subject_for(command.purpose, command.subject), body=command.body,
                                       purpose=command.purpose)
    if send_id is not None:
        uow.publish(EmailRequested(send_id=send_id, to=to))


class EmailSender:
    def __init__(self, engine: AsyncEngine, resend: ResendSender, clock: Clock, service: ServiceStates):
        self.engine = engine
        self.resend = resend
        self.clock = clock
        self.service = service

    async def send(self, request: Delivered[EmailRequested]) -> None:
        """One `EmailRequested`, in transactions of its own: safe to run again at any point."""
        send_id = str(request.body.send_id)
        self.resend.check_pace(send_id)  # a turn is booked before the database is touched
        row = await self._claim(request.body.send_id)
        if row is None:
            return  # sent, blocked or failed already: a redelivery changes nothing
        try:
            email_id = await self.resend.send(to=row.to_address, subject=row.subject, body=row.body,
                                              idempotency_key=send_id)
        except EmailRejected as refused:
            await self._give_up(row, str(refused))
            return
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            if await email_sends.record_sent(uow.connection, row.id, email_id):
                uow.publish(EmailSent(send_id=str(row.id), client_id=row.client_id, to=row.to_address,
                                      purpose=row.purpose, email_id=email_id))
            await uow.commit()

    async def _claim(self, send_id: uuid.UUID):
        """Decide and claim, committed before Resend is called. A claimed row (an earlier try
        whose answer never came) is simply tried again: its key makes it the same e-mail."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            row = await email_sends.facts_for_update(uow.connection, send_id)
            if row is None or row.status not in ("pending", "claimed"):
                return None
            if row.status == "claimed":
                return row
            reason = blocked_reason(row.purpose, suppressed=row.suppressed,
                                    suspended=not self.service.served(row.service_status, row.service_since))
            if reason is not None:
                await email_sends.finish(uow.connection, row.id, "blocked", reason)
                uow.publish(MessageBlocked(send_id=str(row.id), client_id=row.client_id, to=row.to_address,
                                           purpose=row.purpose, reason=reason))
                await uow.commit()
                return None
            await email_sends.claim(uow.connection, row.id, self.clock())
            await uow.commit()
        return row

    async def _give_up(self, row, error: str) -> None:
        """Resend refused it for good (an invalid address, ...): recorded, and said as SMS says it."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            await email_sends.finish(uow.connection, row.id, "failed", "rejected", error)
            uow.publish(MessageCanceled(send_id=str(row.id), client_id=row.client_id, to=row.to_address,
                                        purpose=row.purpose, reason="rejected"))
            await uow.commit()
