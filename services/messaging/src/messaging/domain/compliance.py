"""THE compliance decision every outbound message passes, whatever path made it (D7):
opted-out and do-not-contact numbers get nothing; a suspended client's automations go
nowhere (ADR 0012); business-initiated messages wait out the lead's quiet hours (deferred,
never dropped)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Answers to something the recipient just did (texted, called, asked for a code) are not
# business-initiated, so quiet hours do not hold them back; nor are alerts to the business
# itself, which must act now (a lead to call back, leads going unanswered while its service is
# suspended, identity's alerts: a dispute, a failed payment, a dead letter). The opt-out
# confirmation is the one message an opted-out number still receives: carriers require it.
RESPONSIVE = frozenset({"reply", "speed_to_lead", "otp", "escalation_alert", "account_notice", "alert", "compliance",
                        "payment_receipt"})
CONFIRMS_OPT_OUT = "compliance"
# What a client's service sends by itself, stopped while the client is suspended (ADR 0012).
# Replies are decided where they are drafted: keyword confirmations, also "reply", still go.
AUTOMATED = frozenset({"speed_to_lead", "reminder", "follow_up", "win_back", "no_show"})
PLATFORM = "platform"  # the scope of the platform's own number (login codes), where a client id would be


@dataclass(frozen=True)
class Facts:
    purpose: str
    opted_out: bool
    do_not_contact: bool
    timezone: str
    quiet_start: time
    quiet_end: time
    suspended: bool = False  # the client's service, from billing


@dataclass(frozen=True)
class Decision:
    allowed: bool
    blocked_reason: str | None = None
    defer_until: datetime | None = None


def decide(facts: Facts, now: datetime) -> Decision:
    if facts.opted_out and facts.purpose != CONFIRMS_OPT_OUT:
        return Decision(False, blocked_reason="opted_out")
    if facts.do_not_contact and facts.purpose not in ("otp", "escalation_alert", "payment_receipt"):
        return Decision(False, blocked_reason="do_not_contact")
    if facts.suspended and facts.purpose in AUTOMATED:
        return Decision(False, blocked_reason="service_suspended")
    if facts.purpose not in RESPONSIVE:
        if until := quiet_until(now, facts.timezone, facts.quiet_start, facts.quiet_end):
            return Decision(False, defer_until=until)
    return Decision(True)


def quiet_until(now: datetime, timezone: str, start: time, end: time) -> datetime | None:
    """When the recipient's quiet hours end, if `now` is inside them (they may span midnight)."""
    local = now.astimezone(ZoneInfo(timezone))
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return end_today if end_today > local else end_today + timedelta(days=1)
