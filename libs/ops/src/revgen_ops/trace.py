"""Everything one webhook (or one event) caused, hop by hop, in time order.

Starting from a provider's id (a Twilio MessageSid or CallSid, a Stripe evt_…) or an
event id, it follows the ids every envelope carries: ingress's ledger gives the receipt
and the event id; each service's inbox says which consumer took that event, from which
topic, partition and offset, and when; its outbox holds the messages written meanwhile,
whose `causation_id` names the event (revgen_common.tracing stamps them) — and so on
down the chain. Provider calls link chains: a send's Twilio sid leads to that message's
delivery callbacks, which ingress received as webhooks of their own.

Reads only: the inbox and outbox every service has, ingress's ledger, messaging's sends
and billing's Stripe ledger. What it sees is bounded by what they keep: outbox rows a day
after publishing, inbox rows 31 days, the ledger 7 days.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from revgen_common.topics import DEAD_LETTERS
from revgen_ops.endpoints import SERVICES


@dataclass(frozen=True)
class Hop:
    at: datetime
    kind: str  # webhook | consumed | wrote | twilio | stripe
    where: str
    what: str
    event_id: uuid.UUID | None = None
    cause: uuid.UUID | None = None


@dataclass
class Trace:
    reference: str
    hops: list[Hop] = field(default_factory=list)
    not_searched: list[str] = field(default_factory=list)  # services whose database was not given

    @property
    def ordered(self) -> list[Hop]:
        return sorted(self.hops, key=lambda h: (h.at, _KIND_ORDER.get(h.kind, 9)))


_KIND_ORDER = {"webhook": 0, "stripe": 1, "consumed": 2, "wrote": 3, "twilio": 4}

_LEDGER = text("""SELECT source, provider_id, event_id, kafka_topic, kafka_partition, first_seen_at, published_at
                  FROM webhook_ledger WHERE provider_id = :ref OR provider_id LIKE :prefix""")
_CONSUMED = text("""SELECT consumer, event_id, topic, partition, "offset", outcome, processed_at FROM inbox
                    WHERE event_id = ANY(:ids)""")
# Dead letters hold the original bytes, not necessarily JSON: they are left out.
_WROTE = text("""SELECT event_id, topic, key, created_at, published_at, parked_at,
                        CAST(convert_from(value, 'UTF8') AS jsonb) AS message FROM outbox
                 WHERE topic <> :dead_letters
                   AND CAST(CAST(convert_from(value, 'UTF8') AS jsonb) ->> 'causation_id' AS uuid) = ANY(:ids)""")
_SENDS = text("""SELECT id, twilio_sid, status, to_number, purpose, claimed_at, updated_at, error_code
                 FROM sends WHERE id = ANY(:ids) OR twilio_sid = :ref""")
_HAS_INBOX_AND_OUTBOX = text("SELECT to_regclass('inbox') IS NOT NULL AND to_regclass('outbox') IS NOT NULL")
_STRIPE_EVENTS = text("SELECT id, type, source, applied_at FROM stripe_events WHERE id = :ref")


class Tracer:
    def __init__(self, engines: dict[str, AsyncEngine]):
        self.engines = engines  # service name -> its database

    async def trace(self, reference: str, max_hops: int = 500) -> Trace:
        found = Trace(reference, not_searched=[s for s in SERVICES if s not in self.engines])
        sends: set[uuid.UUID] = set()  # SendRequested's send ids met on the way
        seen: set[uuid.UUID] = set()
        sids: set[str] = set()
        frontier = await self._roots(reference, found)
        while frontier and len(found.hops) < max_hops:
            seen |= frontier
            caused = await self._follow(frontier, found, sends)
            for sid in await self._sends(sends, reference, found) - sids:
                sids.add(sid)  # a message we sent: its delivery callbacks came back as webhooks
                caused |= await self._webhooks(sid, found)
            frontier = caused - seen
        return found

    async def _roots(self, reference: str, found: Trace) -> set[uuid.UUID]:
        try:
            return {uuid.UUID(reference)}
        except ValueError:
            pass
        roots = await self._webhooks(reference, found)
        if "billing" in self.engines:
            async with self.engines["billing"].connect() as db:
                for row in await db.execute(_STRIPE_EVENTS, {"ref": reference}):
                    found.hops.append(Hop(row.applied_at, "stripe", "billing stripe_events",
                                          f"{row.type} applied (from {row.source})"))
        return roots

    async def _webhooks(self, provider_id: str, found: Trace) -> set[uuid.UUID]:
        if "ingress" not in self.engines:
            return set()
        async with self.engines["ingress"].connect() as db:
            rows = (await db.execute(_LEDGER, {"ref": provider_id, "prefix": provider_id + ":%"})).all()
        for row in rows:
            on_kafka = f"on Kafka {row.published_at:%H:%M:%S.%f}"[:-3] if row.published_at else "publish pending"
            found.hops.append(Hop(row.first_seen_at, "webhook", f"ingress → {row.kafka_topic}[{row.kafka_partition}]",
                                  f"{row.source} webhook {row.provider_id} ({on_kafka})", row.event_id))
        return {row.event_id for row in rows}

    async def _follow(self, ids: set[uuid.UUID], found: Trace, sends: set[uuid.UUID]) -> set[uuid.UUID]:
        caused: set[uuid.UUID] = set()
        for service, engine in self.engines.items():
            async with engine.connect() as db:
                if not await db.scalar(_HAS_INBOX_AND_OUTBOX):  # ingress keeps a ledger instead
                    continue
                for row in await db.execute(_CONSUMED, {"ids": list(ids)}):
                    found.hops.append(Hop(row.processed_at, "consumed",
                                          f"{row.consumer} ← {row.topic}[{row.partition}]@{row.offset}",
                                          f"inbox row ({row.outcome})", row.event_id))
                for row in await db.execute(_WROTE, {"ids": list(ids), "dead_letters": DEAD_LETTERS.name}):
                    message = row.message
                    state = ("parked" if row.parked_at else
                             f"published {row.published_at:%H:%M:%S}" if row.published_at else "not yet published")
                    found.hops.append(Hop(row.created_at, "wrote", f"{service} outbox → {row.topic}",
                                          f"{message['type']} key={row.key} ({state})", row.event_id,
                                          uuid.UUID(message["causation_id"])))
                    caused.add(row.event_id)
                    if message["type"] == "SendRequested":
                        sends.add(uuid.UUID(message["payload"]["send_id"]))
        return caused

    async def _sends(self, send_ids: set[uuid.UUID], reference: str, found: Trace) -> set[str]:
        """The Twilio calls of the sends met so far (or of the sid traced); returns their sids."""
        if "messaging" not in self.engines:
            return set()
        async with self.engines["messaging"].connect() as db:
            rows = (await db.execute(_SENDS, {"ids": list(send_ids), "ref": reference})).all()
        known = {h.where for h in found.hops if h.kind == "twilio"}
        for row in rows:
            where = f"messaging → Twilio {row.twilio_sid or '(no sid yet)'}"
            if where not in known:
                error = f" (error {row.error_code})" if row.error_code else ""
                found.hops.append(Hop(row.claimed_at or row.updated_at, "twilio", where,
                                      f"{row.purpose} SMS to {row.to_number}: {row.status}{error}"))
        return {row.twilio_sid for row in rows if row.twilio_sid}

