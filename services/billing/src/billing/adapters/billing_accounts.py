"""A client's billing account: contacts, its Stripe customer, and whether it was deleted."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

_OPEN = text("""
    INSERT INTO billing_accounts (client_id, email, phone) VALUES (:c, :e, :p)
    ON CONFLICT (client_id) DO UPDATE SET email = COALESCE(EXCLUDED.email, billing_accounts.email),
                                          phone = COALESCE(EXCLUDED.phone, billing_accounts.phone)
    RETURNING deleted_at IS NOT NULL""")
_ACCOUNT = text("""SELECT stripe_customer_id, email, phone FROM billing_accounts
                   WHERE client_id = :c""")
_SET_CUSTOMER = text("""UPDATE billing_accounts SET stripe_customer_id = :cus
                        WHERE client_id = :c AND stripe_customer_id IS NULL""")
_CLEAR_CUSTOMER = text("""UPDATE billing_accounts SET stripe_customer_id = NULL
                          WHERE client_id = :c AND stripe_customer_id = :cus""")
_DELETED_SHARED = text("SELECT deleted_at FROM billing_accounts WHERE client_id = :c FOR SHARE")


async def open_account(db: AsyncConnection, client_id: str, email: str | None, phone: str | None) -> bool:
    """Opens the account or adds the contacts given; True when the client was deleted."""
    deleted = await db.scalar(_OPEN, {"c": client_id, "e": email, "p": phone})
    return bool(deleted)


async def account(db: AsyncConnection, client_id: str) -> Row[Any]:
    """The client's account; one exists for a client being subscribed (the saga writes it first)."""
    return (await db.execute(_ACCOUNT, {"c": client_id})).one()


async def set_customer_if_none(db: AsyncConnection, client_id: str, customer_id: str) -> None:
    await db.execute(_SET_CUSTOMER, {"cus": customer_id, "c": client_id})


async def clear_customer(db: AsyncConnection, client_id: str, customer_id: str) -> None:
    await db.execute(_CLEAR_CUSTOMER, {"c": client_id, "cus": customer_id})


async def deletion_shared(db: AsyncConnection, client_id: str) -> Row[Any]:
    """Its `deleted_at`, the row locked FOR SHARE (ClientDeleted locks it to mark it)."""
    return (await db.execute(_DELETED_SHARED, {"c": client_id})).one()


# ClientDeleted: the first deletion time stays.
_MARK_DELETED = text("""INSERT INTO billing_accounts (client_id, deleted_at) VALUES (:c, now())
                        ON CONFLICT (client_id) DO UPDATE
                        SET deleted_at = COALESCE(billing_accounts.deleted_at, now())""")
_CLIENT_OF_CUSTOMER = text("SELECT client_id FROM billing_accounts WHERE stripe_customer_id = :c")
_IS_DELETED = text("SELECT deleted_at IS NOT NULL FROM billing_accounts WHERE client_id = :c")
# Reads first: an existing account is not touched, so this never waits on a transaction
# that holds the account row (ClientDeleted) while we hold the subscription's lock.
_ADD_IF_NEW = text("""
    INSERT INTO billing_accounts (client_id, stripe_customer_id)
    SELECT CAST(:c AS text), CAST(:cus AS text) WHERE NOT EXISTS (SELECT 1 FROM billing_accounts WHERE client_id = :c)
    ON CONFLICT (client_id) DO NOTHING""")
_PHONE = text("SELECT phone FROM billing_accounts WHERE client_id = :c")
_LINK_CUSTOMER = text("""
    INSERT INTO billing_accounts (client_id, stripe_customer_id) VALUES (:c, :cus)
    ON CONFLICT (client_id) DO UPDATE
    SET stripe_customer_id = COALESCE(billing_accounts.stripe_customer_id, EXCLUDED.stripe_customer_id)""")
_SET_CONTACTS = text("""UPDATE billing_accounts SET email = :e, phone = :p
                        WHERE stripe_customer_id = :cus""")
_FORGET_CUSTOMER = text("""UPDATE billing_accounts SET stripe_customer_id = NULL
                           WHERE stripe_customer_id = :cus""")
_HAS_PAYMENT_METHOD = text("UPDATE billing_accounts SET has_payment_method = true WHERE stripe_customer_id = :c")


async def mark_deleted(db: AsyncConnection, client_id: str) -> None:
    await db.execute(_MARK_DELETED, {"c": client_id})


async def client_of_customer(db: AsyncConnection, customer_id: str) -> str | None:
    client: str | None = await db.scalar(_CLIENT_OF_CUSTOMER, {"c": customer_id})
    return client


async def is_deleted(db: AsyncConnection, client_id: str) -> bool:
    return bool(await db.scalar(_IS_DELETED, {"c": client_id}))


async def add_if_new(db: AsyncConnection, client_id: str, customer_id: str) -> None:
    await db.execute(_ADD_IF_NEW, {"c": client_id, "cus": customer_id})


async def phone(db: AsyncConnection, client_id: str) -> str | None:
    found: str | None = await db.scalar(_PHONE, {"c": client_id})
    return found


async def link_customer(db: AsyncConnection, client_id: str, customer_id: str) -> None:
    """The account's Stripe customer, unless it has one already (opened if new)."""
    await db.execute(_LINK_CUSTOMER, {"c": client_id, "cus": customer_id})


async def set_contacts(db: AsyncConnection, customer_id: str, email: str | None, phone: str | None) -> None:
    await db.execute(_SET_CONTACTS, {"e": email, "p": phone, "cus": customer_id})


async def forget_customer(db: AsyncConnection, customer_id: str) -> None:
    await db.execute(_FORGET_CUSTOMER, {"cus": customer_id})


async def has_payment_method(db: AsyncConnection, customer_id: str) -> None:
    await db.execute(_HAS_PAYMENT_METHOD, {"c": customer_id})
