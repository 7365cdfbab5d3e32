"""How subscriptions, invoices and charges move together: creation with its first
invoice, renewals, payment outcomes, cancellation. Every function mutates the store
synchronously and emits the events Stripe would, each with a snapshot after the change."""
from __future__ import annotations

import calendar
import copy
from datetime import UTC, datetime

from revgen_fakes.stripe import objects
from revgen_fakes.stripe.errors import StripeError
from revgen_fakes.stripe.store import Store

ENDED = ("canceled", "incomplete_expired")


def add_interval(start: int, interval: str, count: int = 1) -> int:
    if interval in ("day", "week"):
        return start + count * 86400 * (7 if interval == "week" else 1)
    moment = datetime.fromtimestamp(start, UTC)
    years, month_index = divmod(moment.month - 1 + count * (12 if interval == "year" else 1), 12)
    year, month = moment.year + years, month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])  # Jan 31 + 1 month = Feb 28/29
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def next_period(start: int, price: dict) -> tuple[int, int]:
    recurring = price["recurring"]
    return start, add_interval(start, recurring["interval"], recurring["interval_count"])


def redeem_coupon(store: Store, coupon_id: str, param: str, subscription: dict) -> str:
    coupon = store.get("coupon", coupon_id, param)
    if not coupon["valid"]:
        raise StripeError(400, f"Coupon expired: {coupon_id}", code="coupon_expired", param=param)
    coupon["times_redeemed"] += 1
    max_redemptions, redeem_by = coupon["max_redemptions"], coupon["redeem_by"]
    coupon["valid"] = (max_redemptions is None or coupon["times_redeemed"] < max_redemptions) and (
        redeem_by is None or store.clock() < redeem_by)
    discount = {"id": store.new_id("di"), "object": "discount", "checkout_session": None,
                "coupon": copy.deepcopy(coupon), "customer": subscription["customer"], "end": None, "invoice": None,
                "invoice_item": None, "promotion_code": None, "start": store.clock(),
                "subscription": subscription["id"]}
    if coupon["duration"] == "repeating":
        discount["end"] = add_interval(discount["start"], "month", coupon["duration_in_months"])
    store.add(discount)
    return discount["id"]


def check_coupon_redeemable(store: Store, coupon_id: str, param: str) -> None:
    coupon = store.get("coupon", coupon_id, param)
    if coupon["redeem_by"] is not None and store.clock() >= coupon["redeem_by"]:
        coupon["valid"] = False  # Stripe marks it so once its redeem_by has passed
    if not coupon["valid"]:
        raise StripeError(400, f"Coupon expired: {coupon_id}", code="coupon_expired", param=param)


def _discount_amounts(store: Store, subscription: dict, subtotal: int, billing_reason: str, period_start: int):
    amounts, remaining = [], subtotal
    for discount_id in subscription["discounts"]:
        discount = store.discounts[discount_id]
        coupon = discount["coupon"]
        if coupon["duration"] == "once" and billing_reason != "subscription_create":
            continue
        if discount["end"] is not None and period_start >= discount["end"]:
            continue
        if coupon["percent_off"] is not None:
            amount = round(remaining * coupon["percent_off"] / 100)
        else:
            amount = min(remaining, coupon["amount_off"]) if coupon["currency"] == subscription["currency"] else 0
        remaining -= amount
        amounts.append({"amount": amount, "discount": discount_id})
    return amounts


def draft_invoice(store: Store, subscription: dict, billing_reason: str, trial: bool = False) -> dict:
    invoice_id = store.new_id("in")
    items = subscription["items"]["data"]
    period = (items[0]["current_period_start"], items[0]["current_period_end"])
    lines = [objects.invoice_line(store.new_id("il"), invoice_id, item, period) for item in items]
    if trial:  # a trial's first invoice is a zero-amount one
        for line in lines:
            line["amount"] = line["subtotal"] = 0
    subtotal = sum(line["amount"] for line in lines)
    discounts = _discount_amounts(store, subscription, subtotal, billing_reason, period[0]) if subtotal else []
    return objects.invoice(invoice_id, store.clock(), subscription["customer"], subscription["currency"],
                           subscription, lines, discounts, billing_reason, period)


def run_invoice(store: Store, invoice: dict, outcome: str) -> None:
    """outcome: paid | failed | action_required | open | void | draft | finalization_failed."""
    store.add(invoice, "invoice.created")
    now = store.clock()
    if outcome == "draft":
        return
    if outcome == "finalization_failed":
        with store.updating(invoice, "invoice.finalization_failed"):
            invoice["last_finalization_error"] = {"type": "invalid_request_error",
                                                  "code": "customer_tax_location_invalid",
                                                  "message": "The customer's location isn't recognized."}
            invoice["auto_advance"] = False
        return
    with store.updating(invoice, "invoice.finalized"):
        invoice.update(status="open", number=f"{invoice['id'][-8:].upper()}-0001",
                       hosted_invoice_url=f"https://invoice.stripe.com/i/{invoice['id']}")
        invoice["status_transitions"]["finalized_at"] = now
    if outcome == "void":
        with store.updating(invoice, "invoice.voided"):
            invoice["status"] = "void"
            invoice["status_transitions"]["voided_at"] = now
    elif outcome == "paid":
        pay_invoice(store, invoice)
    elif outcome in ("failed", "action_required"):
        with store.updating(invoice, f"invoice.payment_{outcome}"):
            invoice.update(attempt_count=invoice["attempt_count"] + 1, attempted=True,
                           next_payment_attempt=now + 3 * 86400 if outcome == "failed" else None)


def pay_invoice(store: Store, invoice: dict) -> None:
    now = store.clock()
    if invoice["amount_due"] > 0:
        payment_intent_id = store.new_id("pi")
        customer = store.customers.get(invoice["customer"], {})
        method = customer.get("invoice_settings", {}).get("default_payment_method")
        store.add(objects.charge(store.new_id("ch"), now, invoice, payment_intent_id, method), "charge.succeeded")
        store.add(objects.invoice_payment(store.new_id("inpay"), now, invoice, payment_intent_id),
                  "invoice_payment.paid")
    with store.updating(invoice, "invoice.paid"):
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, attempted=True,
                       attempt_count=invoice["attempt_count"] + (invoice["amount_due"] > 0), next_payment_attempt=None)
        invoice["status_transitions"]["paid_at"] = now
    store.emit("invoice.payment_succeeded", invoice)


def create_subscription(store: Store, customer_id: str, prices: list[tuple[dict, int]], *, metadata: dict,
                        trial_days: int, coupon_ids: list[str], cancel_at_period_end: bool,
                        payment_behavior: str, payment_fails: bool, description: str | None = None) -> dict:
    """prices: validated (price, quantity) pairs; coupons are checked before anything changes."""
    for index, coupon_id in enumerate(coupon_ids):
        check_coupon_redeemable(store, coupon_id, f"discounts[{index}][coupon]")
    if payment_fails and not trial_days and payment_behavior == "error_if_incomplete":
        raise StripeError(402, "Your card was declined.", type="card_error", code="card_declined")
    now, subscription_id = store.clock(), store.new_id("sub")
    trial = (now, now + trial_days * 86400) if trial_days else None
    items = [objects.subscription_item(store.new_id("si"), now, subscription_id, copy.deepcopy(price), quantity,
                                       trial or next_period(now, price)) for price, quantity in prices]
    subscription = objects.subscription(subscription_id, now, customer_id, items, prices[0][0]["currency"],
                                        metadata, trial)
    subscription["description"] = description
    subscription["discounts"] = [redeem_coupon(store, coupon_id, f"discounts[{index}][coupon]", subscription)
                                 for index, coupon_id in enumerate(coupon_ids)]
    if cancel_at_period_end:
        subscription.update(cancel_at_period_end=True, cancel_at=items[0]["current_period_end"])
    invoice = draft_invoice(store, subscription, "subscription_create", trial=bool(trial))
    if trial or invoice["amount_due"] == 0:
        outcome = "paid"
    elif payment_behavior == "default_incomplete":
        outcome = "open"  # Stripe waits for the client to confirm the payment
    else:
        outcome = "failed" if payment_fails else "paid"
    subscription["status"] = "trialing" if trial else "active" if outcome == "paid" else "incomplete"
    subscription["latest_invoice"] = invoice["id"]
    store.add(subscription, "customer.subscription.created")
    run_invoice(store, invoice, outcome)
    return subscription


def renew(store: Store, subscription: dict, outcome: str) -> dict | None:
    """The next billing period: a new invoice with `outcome`, or the scheduled cancellation."""
    if subscription["status"] in ENDED + ("paused", "incomplete"):
        raise ValueError(f"a {subscription['status']} subscription does not renew")
    if subscription["cancel_at_period_end"]:
        cancel_now(store, subscription, "cancellation_requested")
        return None
    pause = subscription["pause_collection"]
    if pause and outcome in ("paid", "failed"):
        outcome = "void" if pause["behavior"] == "void" else "draft"
    with store.updating(subscription, "customer.subscription.updated"):
        for item in subscription["items"]["data"]:
            item["current_period_start"], item["current_period_end"] = next_period(item["current_period_end"],
                                                                                   item["price"])
        invoice = draft_invoice(store, subscription, "subscription_cycle")
        subscription["latest_invoice"] = invoice["id"]
        run_invoice(store, invoice, outcome)
        if outcome == "paid":
            subscription["status"] = "active"
        elif outcome in ("failed", "action_required"):
            subscription["status"] = "past_due"
        elif subscription["status"] == "trialing":
            subscription["status"] = "active"
    return invoice


def settle(store: Store, invoice: dict) -> None:
    """An open invoice gets paid (customer fixed the card, finished 3-D Secure, ...)."""
    if invoice["status"] != "open":
        raise ValueError(f"invoice {invoice['id']} is {invoice['status']}, not open")
    subscription = store.subscriptions.get(invoice["parent"]["subscription_details"]["subscription"])
    pay_invoice(store, invoice)
    if subscription and subscription["status"] in ("incomplete", "past_due", "unpaid"):
        with store.updating(subscription, "customer.subscription.updated"):
            subscription["status"] = "active"


def refund(store: Store, charge: dict, amount: int, reason: str | None = None, metadata: dict | None = None) -> dict:
    """Gives `amount` (already checked against what is left) of a charge back, with the
    events Stripe sends: refund.created, then charge.refunded with the updated charge."""
    refunded = store.add(objects.refund(store.new_id("re"), store.clock(), charge, amount, reason, metadata or {}),
                         "refund.created")
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    store.emit("charge.refunded", charge)
    return refunded


def cancel_now(store: Store, subscription: dict, reason: str) -> None:
    now = store.clock()
    subscription.update(status="canceled", canceled_at=subscription["canceled_at"] or now, ended_at=now)
    subscription["cancellation_details"]["reason"] = reason
    store.emit("customer.subscription.deleted", subscription)


def set_paused(store: Store, subscription: dict, paused: bool) -> None:
    if paused and subscription["status"] not in ("active", "trialing", "past_due"):
        raise StripeError(400, f"A {subscription['status']} subscription cannot be paused.", param="subscription")
    if not paused and subscription["status"] != "paused":
        raise StripeError(400, "Only paused subscriptions can be resumed.", param="subscription")
    with store.updating(subscription, "customer.subscription.updated"):
        subscription["status"] = "paused" if paused else "active"
        if not paused:  # resuming starts a new billing period now (billing_cycle_anchor=now)
            now = store.clock()
            for item in subscription["items"]["data"]:
                item["current_period_start"], item["current_period_end"] = next_period(now, item["price"])
            subscription["billing_cycle_anchor"] = now
    store.emit("customer.subscription.paused" if paused else "customer.subscription.resumed", subscription)
