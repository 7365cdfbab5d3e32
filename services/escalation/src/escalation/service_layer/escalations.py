"""Escalations: created once per request, claimed by exactly one person, re-notified and
escalated on a timer, released when their owner leaves the team. Every race is settled
by one SQL statement; every message goes out through the outbox with the state change."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from escalation import SERVICE
from escalation.adapters import contact_bans
from revgen_common.business_hours import on_duty
from escalation.domain.steps import OWNER_ROLES, Step
from revgen_common.clock import Clock
from revgen_common.consumer import Handlers
from revgen_common.contracts import escalation as events, identity, messaging, voice
from revgen_common.contracts.commands import Purpose, SendMessage
from revgen_common.envelope import Envelope
from revgen_common.tokens import new_token, token_hash
from revgen_common.unit_of_work import Transaction, UnitOfWork


_CREATE = text("""
    INSERT INTO escalations (id, request_id, client_id, lead_phone, lead_name, reason, status, next_step_at,
                             due_at, created_at)
    VALUES (:id, :request_id, :client_id, :lead_phone, :lead_name, :reason, 'pending', :next_step_at, :due_at, :now)
    ON CONFLICT (request_id) DO NOTHING RETURNING id""")
# A member is texted, or e-mailed when identity knows no phone for them (#15).
_TEAM = text("""SELECT person_id, name, COALESCE(phone, email) AS contact, role FROM team_members
                WHERE client_id = :client AND active AND COALESCE(phone, email) IS NOT NULL AND role = ANY(:roles)
                ORDER BY person_id""")
_HOURS = text("SELECT hours, timezone FROM business_hours WHERE client_id = :client")
# THE claim (D3): only a pending escalation can be taken, and only by an active member.
_CLAIM = text("""
    UPDATE escalations e SET status = 'claimed', claimed_by = l.person_id, claimed_at = :now
    FROM claim_links l
    WHERE l.token_hash = :token_hash AND e.id = l.escalation_id AND e.status = 'pending'
      AND EXISTS (SELECT 1 FROM team_members m
                  WHERE m.client_id = e.client_id AND m.person_id = l.person_id AND m.active)
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, l.person_id""")
_LINK = text("""SELECT l.escalation_id, l.person_id, e.status, e.claimed_by, m.name AS owner_name
                FROM claim_links l JOIN escalations e ON e.id = l.escalation_id
                LEFT JOIN team_members m ON m.client_id = e.client_id AND m.person_id = e.claimed_by
                WHERE l.token_hash = :token_hash""")
_CLAIM_AS = text("""
    UPDATE escalations e SET status = 'claimed', claimed_by = :person, claimed_at = :now
    WHERE e.id = :id AND e.client_id = :client AND e.status = 'pending'
      AND EXISTS (SELECT 1 FROM team_members m WHERE m.client_id = e.client_id AND m.person_id = :person AND m.active)
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, CAST(:person AS text) AS person_id""")
_RESOLVE_AS = text("""
    UPDATE escalations SET status = 'resolved'
    WHERE id = :id AND client_id = :client AND status = 'claimed' AND claimed_by = :person
    RETURNING id, client_id, request_id""")
_STATE = text("""
    SELECT e.status, m.name AS owner_name,
           EXISTS (SELECT 1 FROM team_members t WHERE t.client_id = e.client_id AND t.person_id = :person AND t.active)
           AS on_team
    FROM escalations e LEFT JOIN team_members m ON m.client_id = e.client_id AND m.person_id = e.claimed_by
    WHERE e.id = :id AND e.client_id = :client""")
_DUE = text("""
    UPDATE escalations SET step = step + 1,
        next_step_at = CAST(:now AS timestamptz) + make_interval(secs => CAST(:every AS double precision)),
                           status = CASE WHEN step + 1 >= :expire_at THEN 'expired' ELSE status END
    WHERE id IN (SELECT id FROM escalations WHERE status = 'pending' AND next_step_at <= :now
                 ORDER BY next_step_at LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING id, client_id, request_id, lead_phone, lead_name, reason, step""")
_RELEASE = text("""
    UPDATE escalations SET status = 'pending', claimed_by = NULL, claimed_at = NULL, step = 0,
                           next_step_at = CAST(:now AS timestamptz) + make_interval(secs => CAST(:every AS double precision))
    WHERE client_id = :client AND claimed_by = :person AND status = 'claimed'
    RETURNING id, client_id, request_id, lead_phone, lead_name, reason""")

# A team member who answered the lead's call takes the lead: the same conditional UPDATE as
# a claim (pending, and the person an active member), over the lead's pending escalations.
_CLAIM_BY_CALL = text("""
    UPDATE escalations e SET status = 'claimed', claimed_by = :person, claimed_at = :now
    WHERE e.client_id = :client AND e.lead_phone = :lead AND e.status = 'pending'
      AND EXISTS (SELECT 1 FROM team_members m WHERE m.client_id = e.client_id AND m.person_id = :person AND m.active)
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, CAST(:person AS text) AS person_id""")

_WITHDRAW = text("""
    UPDATE escalations e SET status = 'withdrawn'
    WHERE e.client_id = :c AND e.lead_phone = :p AND e.status IN ('pending', 'claimed')
    RETURNING e.id, e.client_id, e.request_id, e.lead_phone, e.lead_name, e.claimed_by,
              (SELECT COALESCE(m.phone, m.email) FROM team_members m
               WHERE m.client_id = e.client_id AND m.person_id = e.claimed_by) AS owner_contact""")


class ClaimRefused(Exception):
    def __init__(self, owner_name: str | None, status: str):
        super().__init__(f"escalation is {status}" + (f", handled by {owner_name}" if owner_name else ""))
        self.owner_name = owner_name
        self.status = status


class UnknownLink(Exception):
    pass


class UnknownEscalation(LookupError):
    pass


class NotOnTheTeam(Exception):
    """Only the client's active team members take its leads (an agency owner is not one)."""


@dataclass(frozen=True)
class Claimed:
    escalation_id: uuid.UUID
    lead_phone: str


class Escalations:
    def __init__(self, engine: AsyncEngine, claim_base_url: str, unclaimed_after: timedelta, clock: Clock):
        self.engine = engine
        self.claim_base_url = claim_base_url.rstrip("/")
        self.unclaimed_after = unclaimed_after
        self.clock = clock

    # -- requests (consumer handler) ---------------------------------------------------

    async def request(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        db = uow.connection
        if await db.scalar(text("SELECT 1 FROM deleted_clients WHERE client_id = :c"), {"c": p["client_id"]}):
            return  # a deleted client's leads are not escalated to anyone
        if await contact_bans.off_limits(db, p["client_id"], p["lead_phone"]):
            return  # the lead asked not to be contacted (or is marked so): nobody is sent to contact them
        now = self.clock()
        due_at = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else None
        escalation = await db.scalar(_CREATE, {
            "id": uuid.uuid4(), "request_id": p["request_id"], "client_id": p["client_id"],
            "lead_phone": p["lead_phone"], "lead_name": p.get("lead_name"), "reason": p["reason"],
            "next_step_at": max(now, due_at or now) + self.unclaimed_after, "due_at": due_at, "now": now})
        if escalation is None:
            return  # the same request again (a new event id for it): one escalation
        row = {"id": escalation, "client_id": p["client_id"], "request_id": p["request_id"],
               "lead_phone": p["lead_phone"], "lead_name": p.get("lead_name"), "reason": p["reason"]}
        await self._notify(uow, row, roles=None, now=now)
        self._outcome(uow, events.EscalationCreated, row)

    async def call_answered(self, event: Envelope, uow: Transaction) -> None:
        """Voice: a member answered the lead's call (the first of the team to pick up). It is
        their claim of the lead: an escalation for the call (`call:<CallSid>`, once) and any
        the lead already had pending go to them through the claim's one conditional UPDATE,
        so a claim link or the queue racing the call still has one winner."""
        p = event.payload
        db = uow.connection
        if await db.scalar(text("SELECT 1 FROM deleted_clients WHERE client_id = :c"), {"c": p["client_id"]}):
            return
        now = self.clock()
        await db.execute(_CREATE, {
            "id": uuid.uuid4(), "request_id": f"call:{p['call_sid']}", "client_id": p["client_id"],
            "lead_phone": p["lead_phone"], "lead_name": None, "reason": "answered their call",
            "next_step_at": now + self.unclaimed_after, "due_at": None, "now": now})
        won = (await db.execute(_CLAIM_BY_CALL, {"client": p["client_id"], "lead": p["lead_phone"],
                                                 "person": p["person_id"], "now": now})).all()
        for row in won:
            await self._tell_team_who_won(uow, row)
            self._outcome(uow, events.EscalationClaimed, row._asdict() | {"id": row.id}, person=row.person_id)

    # -- claims (HTTP) -----------------------------------------------------------------

    async def claim(self, token: str) -> Claimed:
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE) as uow:
            won = (await uow.connection.execute(_CLAIM, {"token_hash": token_hash(token), "now": now})).first()
            if won is None:
                link = (await uow.connection.execute(_LINK, {"token_hash": token_hash(token)})).first()
                if link is None:
                    raise UnknownLink()
                raise ClaimRefused(link.owner_name, link.status)
            return await self._won(uow, won)

    async def claim_as(self, client_id: str, escalation_id: uuid.UUID, person_id: str) -> Claimed:
        """A team member takes the lead from the admin UI: the same one statement decides as
        for a claim link (only a pending escalation, only an active member), so a page and a
        link racing have one winner."""
        async with UnitOfWork(self.engine, SERVICE) as uow:
            won = (await uow.connection.execute(_CLAIM_AS, {"id": escalation_id, "client": client_id,
                                                            "person": person_id, "now": self.clock()})).first()
            if won is None:
                await self._refuse(uow, client_id, escalation_id, person_id)
            return await self._won(uow, won)

    async def resolve_as(self, client_id: str, escalation_id: uuid.UUID, person_id: str) -> None:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            row = (await uow.connection.execute(_RESOLVE_AS, {"id": escalation_id, "client": client_id,
                                                              "person": person_id})).first()
            if row is None:
                if await self._state(uow, client_id, escalation_id, person_id) is None:
                    raise UnknownEscalation()
                raise ClaimRefused(None, "not yours to resolve")
            self._outcome(uow, events.EscalationResolved, {**row._asdict(), "id": row.id}, person=person_id)
            await uow.commit()

    async def _won(self, uow: UnitOfWork, won) -> Claimed:
        await self._tell_team_who_won(uow, won)
        self._outcome(uow, events.EscalationClaimed, won._asdict() | {"id": won.id}, person=won.person_id)
        await uow.commit()
        return Claimed(won.id, won.lead_phone)

    async def _state(self, uow: UnitOfWork, client_id: str, escalation_id: uuid.UUID, person_id: str):
        return (await uow.connection.execute(_STATE, {"id": escalation_id, "client": client_id,
                                                      "person": person_id})).first()

    async def _refuse(self, uow: UnitOfWork, client_id: str, escalation_id: uuid.UUID, person_id: str):
        state = await self._state(uow, client_id, escalation_id, person_id)
        if state is None:
            raise UnknownEscalation()
        if state.status == "pending" and not state.on_team:
            raise NotOnTheTeam("only the client's team members can take its leads")
        raise ClaimRefused(state.owner_name, state.status)

    async def resolve(self, token: str) -> None:
        async with UnitOfWork(self.engine, SERVICE) as uow:
            row = (await uow.connection.execute(text("""
                UPDATE escalations e SET status = 'resolved' FROM claim_links l
                WHERE l.token_hash = :h AND e.id = l.escalation_id AND e.status = 'claimed'
                  AND e.claimed_by = l.person_id
                RETURNING e.id, e.client_id, e.request_id, l.person_id"""), {"h": token_hash(token)})).first()
            if row is None:
                if (await uow.connection.execute(_LINK, {"token_hash": token_hash(token)})).first() is None:
                    raise UnknownLink()  # as for a claim: a link nobody was sent
                raise ClaimRefused(None, "not yours to resolve")
            self._outcome(uow, events.EscalationResolved, {**row._asdict(), "id": row.id}, person=row.person_id)
            await uow.commit()

    # -- the timer -------------------------------------------------------------------------

    async def run_due_steps(self, batch: int = 100) -> int:
        """Advance every escalation whose step is due, each step exactly once (the UPDATE
        that advances it commits with the messages the step sends)."""
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE) as uow:
            rows = (await uow.connection.execute(_DUE, {
                "now": now, "every": self.unclaimed_after.total_seconds(), "expire_at": int(Step.EXPIRED),
                "batch": batch})).all()
            for row in rows:
                step = Step(min(row.step, Step.EXPIRED))
                if step is Step.RENOTIFIED:
                    await self._notify(uow, row._asdict(), roles=None, now=now)
                elif step is Step.OWNERS:
                    await self._notify(uow, row._asdict(), roles=OWNER_ROLES, now=now)
                else:
                    self._outcome(uow, events.EscalationExpired, row._asdict())
            await uow.commit()
        return len(rows)

    # -- the roster (identity's events) --------------------------------------------------

    async def member_added(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        await uow.connection.execute(text("""
            INSERT INTO team_members (client_id, person_id, name, phone, email, role) VALUES (:c, :p, :n, :ph, :em, :r)
            ON CONFLICT (client_id, person_id) DO UPDATE SET name = :n, phone = :ph, email = :em, role = :r,
                active = true"""),
            {"c": p["client_id"], "p": p["person_id"], "n": p["name"], "ph": p.get("phone"), "em": p.get("email"),
             "r": p["role"]})

    async def member_role_changed(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        await uow.connection.execute(text("UPDATE team_members SET role = :r WHERE client_id = :c AND person_id = :p"),
                                     {"r": p["role"], "c": p["client_id"], "p": p["person_id"]})

    async def member_deactivated(self, event: Envelope, uow: Transaction) -> None:
        """B7: their open claims go back to the team, which is told again, once."""
        p = event.payload
        db = uow.connection
        await db.execute(text("UPDATE team_members SET active = false WHERE client_id = :c AND person_id = :p"),
                         {"c": p["client_id"], "p": p["person_id"]})
        now = self.clock()
        released = (await db.execute(_RELEASE, {"client": p["client_id"], "person": p["person_id"], "now": now,
                                                "every": self.unclaimed_after.total_seconds()})).all()
        for row in released:
            await self._notify(uow, row._asdict(), roles=None, now=now)
            self._outcome(uow, events.EscalationReleased, row._asdict(), person=p["person_id"])

    async def business_hours_set(self, event: Envelope, uow: Transaction) -> None:
        p = event.payload
        await uow.connection.execute(text("""
            INSERT INTO business_hours (client_id, timezone, hours) VALUES (:c, :tz, CAST(:h AS jsonb))
            ON CONFLICT (client_id) DO UPDATE SET timezone = :tz, hours = CAST(:h AS jsonb)"""),
            {"c": p["client_id"], "tz": p["timezone"], "h": json.dumps(p["hours"])})

    # -- consent (messaging's events) ----------------------------------------------------

    async def lead_opted_out(self, event: Envelope, uow: Transaction) -> None:
        """Open escalations of the lead are withdrawn (the timer stops re-notifying the team);
        whoever had claimed one is told not to call, once."""
        p = event.payload
        db = uow.connection
        await db.execute(text("""INSERT INTO opted_out_leads (client_id, lead_phone, opted_out_at) VALUES (:c, :p, :at)
                                 ON CONFLICT DO NOTHING"""), {"c": p["client_id"], "p": p["lead_phone"],
                                                              "at": datetime.fromisoformat(p["changed_at"])})
        await self._withdraw(uow, p["client_id"], p["lead_phone"], "asked not to be contacted any more")

    async def lead_do_not_contact_changed(self, event: Envelope, uow: Transaction) -> None:
        """A person marked the lead do-not-contact: as for an opt-out, their open escalations are
        withdrawn and whoever had one is told once; cleared, new requests escalate again."""
        p = event.payload
        newest = await contact_bans.mark_do_not_contact(uow.connection, p["client_id"], p["lead_phone"],
                                                        p["do_not_contact"], datetime.fromisoformat(p["changed_at"]))
        if newest and p["do_not_contact"]:
            await self._withdraw(uow, p["client_id"], p["lead_phone"], "is marked do-not-contact")

    async def _withdraw(self, uow: Transaction, client_id: str, lead_phone: str, why: str) -> None:
        withdrawn = (await uow.connection.execute(_WITHDRAW, {"c": client_id, "p": lead_phone})).all()
        for row in withdrawn:
            if row.claimed_by is not None and row.owner_contact is not None:
                self._send(uow, row._asdict(), row.owner_contact, "escalation_alert",
                           f"{row.lead_name or row.lead_phone} {why}: "
                           "please do not call or text them. The escalation is closed.")
            self._outcome(uow, events.EscalationWithdrawn, row._asdict(), person=row.claimed_by)

    async def lead_opted_in(self, event: Envelope, uow: Transaction) -> None:
        await uow.connection.execute(text("DELETE FROM opted_out_leads WHERE client_id = :c AND lead_phone = :p"),
                                     {"c": event.payload["client_id"], "p": event.payload["lead_phone"]})

    async def client_deleted(self, event: Envelope, uow: Transaction) -> None:
        await uow.connection.execute(text("INSERT INTO deleted_clients (client_id) VALUES (:c) ON CONFLICT DO NOTHING"),
                                     {"c": event.payload["client_id"]})

    # -- messages ---------------------------------------------------------------------------

    async def _notify(self, uow: Transaction, row: dict, roles: tuple[str, ...] | None, now: datetime) -> None:
        db = uow.connection
        hours = (await db.execute(_HOURS, {"client": row["client_id"]})).first()
        if roles is None and hours is not None and not on_duty(hours.hours, hours.timezone, now):
            roles = OWNER_ROLES  # out of hours the team is off duty: the owners hear of it
        team = (await db.execute(_TEAM, {"client": row["client_id"],
                                         "roles": list(roles or ("client_owner", "client_admin", "client_member"))})).all()
        lead = row.get("lead_name") or row["lead_phone"]
        for member in team:
            token = new_token(24)
            await db.execute(text("INSERT INTO claim_links (token_hash, escalation_id, person_id) VALUES (:h, :e, :p)"),
                             {"h": token_hash(token), "e": row["id"], "p": member.person_id})
            self._send(uow, row, member.contact, "escalation_alert",
                       f"Hot lead {lead}: {row['reason']}. Claim it: {self.claim_base_url}/claim/{token}")

    async def _tell_team_who_won(self, uow: Transaction, won) -> None:
        notified = (await uow.connection.execute(text("""
            SELECT DISTINCT m.person_id, m.name, COALESCE(m.phone, m.email) AS contact FROM claim_links l
            JOIN team_members m ON m.person_id = l.person_id AND m.client_id = :client
            WHERE l.escalation_id = :e AND COALESCE(m.phone, m.email) IS NOT NULL"""),
            {"e": won.id, "client": won.client_id})).all()
        winner = next((m for m in notified if m.person_id == won.person_id), None)
        row = won._asdict() | {"id": won.id}
        lead = won.lead_name or won.lead_phone
        for member in notified:
            if member.person_id == won.person_id:
                self._send(uow, row, member.contact, "escalation_alert", f"It's yours: call {lead} at {won.lead_phone}.")
            else:
                self._send(uow, row, member.contact, "escalation_alert",
                           f"{winner.name if winner else 'A teammate'} is handling {lead}.")

    def _send(self, uow: Transaction, row: dict, to: str, purpose: Purpose, body: str) -> None:
        """A text, or an e-mail (`to` an address) whose subject names the lead."""
        subject = f"Hot lead {row.get('lead_name') or row['lead_phone']}" if "@" in to else None
        uow.publish(SendMessage(client_id=row["client_id"], to=to, body=body, purpose=purpose, subject=subject))

    def _outcome(self, uow: Transaction, outcome: type[events.EscalationOutcome], row: dict,
                 person: str | None = None) -> None:
        uow.publish(outcome(escalation_id=str(row["id"]), client_id=row["client_id"],
                                       request_id=row["request_id"], person_id=person))


def handlers(escalations: Escalations) -> Handlers:
    """What the consumer routes by message type (one module-level place)."""
    return {
        messaging.EscalationRequested: escalations.request,
        identity.MemberAdded: escalations.member_added,
        identity.MemberRoleChanged: escalations.member_role_changed,
        identity.MemberDeactivated: escalations.member_deactivated,
        messaging.BusinessHoursSet: escalations.business_hours_set,
        identity.ClientDeleted: escalations.client_deleted,
        messaging.LeadOptedOut: escalations.lead_opted_out,
        messaging.LeadOptedIn: escalations.lead_opted_in,
        voice.CallAnswered: escalations.call_answered,
        messaging.LeadDoNotContactChanged: escalations.lead_do_not_contact_changed,
    }
