"""What the team is told, and what the rest of the system hears, as an escalation moves: every
message goes out through the outbox in the transaction of the change it reports."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from escalation.adapters import escalations, team
from escalation.domain.steps import OWNER_ROLES
from revgen_common.business_hours import on_duty
from revgen_common.contracts import escalation as events
from revgen_common.contracts.commands import Purpose, SendMessage
from revgen_common.tokens import new_token, token_hash
from revgen_common.unit_of_work import Transaction

EVERY_ROLE = ("client_owner", "client_admin", "client_member")


async def notify(uow: Transaction, row: dict[str, Any], roles: tuple[str, ...] | None, now: datetime,
                 claim_base_url: str) -> None:
    """A claim link to each reachable member in `roles` (everyone by default; the owners out of hours)."""
    db = uow.connection
    hours = await team.hours(db, row["client_id"])
    if roles is None and hours is not None and not on_duty(hours.hours, hours.timezone, now):
        roles = OWNER_ROLES  # out of hours the team is off duty: the owners hear of it
    members = await team.reachable_members(db, row["client_id"], list(roles or EVERY_ROLE))
    lead = row.get("lead_name") or row["lead_phone"]
    for member in members:
        token = new_token(24)
        await escalations.add_claim_link(db, token_hash(token), row["id"], member.person_id)
        send(uow, row, member.contact, "escalation_alert",
             f"Hot lead {lead}: {row['reason']}. Claim it: {claim_base_url}/claim/{token}")


async def tell_team_who_won(uow: Transaction, won: Any) -> None:
    notified = await escalations.told_of(uow.connection, won.id, won.client_id)
    winner = next((m for m in notified if m.person_id == won.person_id), None)
    row = won._asdict() | {"id": won.id}
    lead = won.lead_name or won.lead_phone
    for member in notified:
        if member.person_id == won.person_id:
            send(uow, row, member.contact, "escalation_alert", f"It's yours: call {lead} at {won.lead_phone}.")
        else:
            send(uow, row, member.contact, "escalation_alert",
                 f"{winner.name if winner else 'A teammate'} is handling {lead}.")


def send(uow: Transaction, row: dict[str, Any], to: str, purpose: Purpose, body: str) -> None:
    """A text, or an e-mail (`to` an address) whose subject names the lead."""
    subject = f"Hot lead {row.get('lead_name') or row['lead_phone']}" if "@" in to else None
    uow.publish(SendMessage(client_id=row["client_id"], to=to, body=body, purpose=purpose, subject=subject))


def outcome(uow: Transaction, contract: type[events.EscalationOutcome], row: dict[str, Any],
            person: str | None = None) -> None:
    uow.publish(contract(escalation_id=str(row["id"]), client_id=row["client_id"],
                         request_id=row["request_id"], person_id=person))
