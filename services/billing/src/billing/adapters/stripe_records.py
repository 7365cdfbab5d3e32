"""What billing keeps of Stripe's events and objects: the event ledger (each event applied
once), invoices, charges, disputes, and the discrepancies found on the way."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_LEDGER = text("""INSERT INTO stripe_events (id, type, stripe_created, source) VALUES (:id, :type, :created, :source)
                  ON CONFLICT (id) DO NOTHING RETURNING id""")
_RECORD_DRIFT = text("""INSERT INTO discrepancies (kind, object_id, detail, repaired) VALUES (:kind, :id, :detail, :repaired)
                        ON CONFLICT (kind, object_id, detail) DO NOTHING RETURNING id""")
_INVOICE_STATUS = text("SELECT status FROM invoices WHERE id = :id")
_UPSERT_INVOICE = text("""
    INSERT INTO invoices (id, client_id, subscription_id, status, amount_due, amount_paid, currency, attempt_count,
                          finalization_error)
    VALUES (:id, :client, (SELECT id FROM subscriptions WHERE id = :sub), :status, :due, :paid, :currency,
            :attempts, :error)
    ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, amount_due = EXCLUDED.amount_due,
        amount_paid = EXCLUDED.amount_paid, attempt_count = EXCLUDED.attempt_count,
        subscription_id = COALESCE(invoices.subscription_id, EXCLUDED.subscription_id),
        finalization_error = COALESCE(EXCLUDED.finalization_error, invoices.finalization_error)""")
_CHARGE_REFUNDED = text("SELECT amount_refunded FROM charges WHERE id = :id")
_UPSERT_CHARGE = text("""
    INSERT INTO charges (id, client_id, amount, amount_refunded, currency) VALUES (:id, :c, :a, :r, :cur)
    ON CONFLICT (id) DO UPDATE SET amount_refunded = GREATEST(charges.amount_refunded, EXCLUDED.amount_refunded)""")
_DISPUTE_STATUS = text("SELECT status FROM disputes WHERE id = :id")
# A closed dispute stays closed, whatever older snapshot arrives after.
_UPSERT_DISPUTE = text("""
    INSERT INTO disputes (id, charge_id, client_id, amount, currency, status, reason)
    VALUES (:id, :charge, :c, :amount, :currency, :status, :reason)
    ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status
    WHERE disputes.status NOT IN ('won', 'lost', 'warning_closed')""")


async def record_event(db: AsyncConnection, event_id: str, type: str, created: datetime, source: str) -> bool:
    """False when the event was recorded (applied) before."""
    return await db.scalar(_LEDGER, {"id": event_id, "type": type, "created": created,
                                     "source": source}) is not None


async def record_drift(db: AsyncConnection, kind: str, object_id: str, detail: str, repaired: bool) -> bool:
    """False when the same discrepancy was recorded before."""
    return await db.scalar(_RECORD_DRIFT, {"kind": kind, "id": object_id, "detail": detail,
                                           "repaired": repaired}) is not None


async def invoice_status(db: AsyncConnection, invoice_id: str) -> Row[Any] | None:
    return (await db.execute(_INVOICE_STATUS, {"id": invoice_id})).first()


async def upsert_invoice(db: AsyncConnection, *, id: str, client_id: str, subscription_id: str | None, status: str,
                         amount_due: int, amount_paid: int, currency: str, attempt_count: int,
                         finalization_error: str | None) -> None:
    """Its subscription only if stored, and never replaced; a finalization error kept once seen."""
    await db.execute(_UPSERT_INVOICE, {
        "id": id, "client": client_id, "sub": subscription_id, "status": status, "due": amount_due,
        "paid": amount_paid, "currency": currency, "attempts": attempt_count, "error": finalization_error})


async def charge_refunded(db: AsyncConnection, charge_id: str) -> int | None:
    refunded: int | None = await db.scalar(_CHARGE_REFUNDED, {"id": charge_id})
    return refunded


async def upsert_charge(db: AsyncConnection, charge_id: str, client_id: str, amount: int, amount_refunded: int,
                        currency: str) -> None:
    """The refunded amount only ever grows."""
    await db.execute(_UPSERT_CHARGE, {"id": charge_id, "c": client_id, "a": amount, "r": amount_refunded,
                                      "cur": currency})


async def dispute_status(db: AsyncConnection, dispute_id: str) -> str | None:
    found: str | None = await db.scalar(_DISPUTE_STATUS, {"id": dispute_id})
    return found


async def upsert_dispute(db: AsyncConnection, *, id: str, charge_id: str, client_id: str, amount: int, currency: str,
                         status: str, reason: str | None) -> None:
    await db.execute(_UPSERT_DISPUTE, {"id": id, "charge": charge_id, "c": client_id, "amount": amount,
                                       "currency": currency, "status": status, "reason": reason})
