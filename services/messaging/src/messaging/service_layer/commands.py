"""`SendMessage` commands from other services (escalation alerts, receipts, login codes):
queued once per command id, through the same gateway as every other message; those to an
e-mail address go to e-mail's own queue (service_layer/emails)."""
from __future__ import annotations

from messaging.adapters import leads, numbers
from messaging.domain.emails import is_email
from messaging.service_layer import emails
from messaging.service_layer.sends import Outgoing, enqueue
from revgen_common.consumer import Delivered, HandlerContext
from revgen_common.contracts.commands import SendMessage
from revgen_common.errors import PermanentError
from revgen_common.phones import InvalidPhone, normalize


class Commands:
    def __init__(self, platform_number: str):
        self.platform_number = platform_number

    async def send_message(self, message: Delivered[SendMessage], ctx: HandlerContext) -> None:
        command = message.body
        if is_email(command.to):
            await emails.enqueue(ctx, f"command:{message.event_id}", command)
            return
        try:
            to = normalize(command.to)
        except InvalidPhone as error:
            raise PermanentError(str(error)) from error  # dead-lettered with the reason
        db = ctx.connection
        number, lead_id = None, None
        if command.client_id is not None:
            lead = await leads.by_phone(db, command.client_id, to)
            lead_id = lead.id if lead else None
            number = await numbers.for_recipient(db, command.client_id, lead.client_number if lead else None, to)
        await enqueue(ctx, [Outgoing(f"command:{message.event_id}", to, number or self.platform_number, command.body,
                                     command.purpose, command.client_id, lead_id)])
