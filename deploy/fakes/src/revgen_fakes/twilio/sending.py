"""Creating an outbound Message: the checks Twilio makes before it accepts one, with the
error codes it answers when a check fails."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from revgen_fakes.twilio.errors import TwilioApiError
from revgen_fakes.twilio.messages import Message

# E.164, optionally behind a channel prefix such as "whatsapp:".
_ADDRESS = re.compile(r"^(?:[a-z]+:)?\+[1-9]\d{6,14}$")
MAX_BODY = 1600


def is_valid_address(number: str) -> bool:
    return bool(_ADDRESS.match(number))


def new_outbound_message(account_sid: str, form: Mapping[str, str], media_count: int,
                         is_unsubscribed, now: datetime) -> Message:
    """`is_unsubscribed(to, from_)` says whether the recipient opted out of that sender."""
    to, from_ = form.get("To", ""), form.get("From") or None
    service = form.get("MessagingServiceSid") or None
    body = form.get("Body", "")
    if not to:
        raise TwilioApiError(400, 21604, "A 'To' phone number is required.")
    if not from_ and not service:
        raise TwilioApiError(400, 21603, "A 'From' phone number is required.")
    if not body and not media_count and not form.get("ContentSid"):
        raise TwilioApiError(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise TwilioApiError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if not is_valid_address(to):
        raise TwilioApiError(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if is_unsubscribed(to, from_):
        raise TwilioApiError(400, 21610, "Attempt to send to unsubscribed recipient")
    # Through a Messaging Service a message is "accepted" until a sender is picked for it.
    return Message(account_sid=account_sid, to=to, from_=from_, body=body,
                   status="accepted" if service else "queued", messaging_service_sid=service,
                   status_callback=form.get("StatusCallback") or None, num_media=media_count,
                   date_created=now)
