"""Wire shapes of the Stripe objects the fake serves (API version 2026-10-28): plain
JSON-ready dicts. Only fields a billing integration plausibly reads are filled in."""
from __future__ import annotations


def base(object_id: str, object_type: str, created: int, metadata: dict | None = None) -> dict:
    return {"id": object_id, "object": object_type, "created": created, "livemode": False,
            "metadata": dict(metadata or {})}


def product(object_id: str, created: int, name: str, metadata: dict, description: str | None) -> dict:
    return {**base(object_id, "product", created, metadata), "active": True, "name": name,
            "description": description, "default_price": None, "images": [], "marketing_features": [],
            "tax_code": None, "type": "service", "unit_label": None, "updated": created, "url": None}


def price(object_id: str, created: int, product_id: str, unit_amount: int, currency: str,
          recurring: dict | None, metadata: dict, nickname: str | None, lookup_key: str | None) -> dict:
    return {**base(object_id, "price", created, metadata), "active": True, "billing_scheme": "per_unit",
            "currency": currency, "custom_unit_amount": None, "lookup_key": lookup_key, "nickname": nickname,
            "product": product_id, "recurring": recurring, "tax_behavior": "unspecified", "tiers_mode": None,
            "transform_quantity": None, "type": "recurring" if recurring else "one_time",
            "unit_amount": unit_amount, "unit_amount_decimal": str(unit_amount)}


def coupon(object_id: str, created: int, **fields) -> dict:
    return {**base(object_id, "coupon", created, fields.pop("metadata")), "applies_to": None,
            "times_redeemed": 0, "valid": True, **fields}


def customer(object_id: str, created: int, **fields) -> dict:
    return {**base(object_id, "customer", created, fields.pop("metadata")), "address": None, "balance": 0,
            "currency": None, "default_source": None, "delinquent": False, "discount": None,
            "invoice_prefix": object_id[-8:].upper(), "next_invoice_sequence": 1, "preferred_locales": [],
            "shipping": None, "tax_exempt": "none", "test_clock": None,
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                                 "rendering_options": None}, **fields}


def deleted(object_id: str, object_type: str) -> dict:
    return {"id": object_id, "object": object_type, "deleted": True}


def subscription_item(object_id: str, created: int, subscription_id: str, price_object: dict,
                      quantity: int, period: tuple[int, int]) -> dict:
    return {**base(object_id, "subscription_item", created), "billing_thresholds": None,
            "current_period_start": period[0], "current_period_end": period[1], "discounts": [],
            "price": price_object, "quantity": quantity, "subscription": subscription_id, "tax_rates": []}


def subscription(object_id: str, created: int, customer_id: str, items: list[dict], currency: str,
                 metadata: dict, trial: tuple[int, int] | None) -> dict:
    return {**base(object_id, "subscription", created, metadata), "application": None,
            "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
            "billing_cycle_anchor": trial[1] if trial else created, "billing_mode": {"type": "flexible"},
            "cancel_at": None, "cancel_at_period_end": False, "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically", "currency": currency, "customer": customer_id,
            "days_until_due": None, "default_payment_method": None, "description": None, "discounts": [],
            "ended_at": None, "items": list_object(items, f"/v1/subscription_items?subscription={object_id}"),
            "latest_invoice": None, "pause_collection": None, "pending_update": None, "schedule": None,
            "start_date": created, "status": "incomplete", "test_clock": None,
            "trial_start": trial[0] if trial else None, "trial_end": trial[1] if trial else None}


def invoice(object_id: str, created: int, customer_id: str, currency: str, subscription_object: dict,
            lines: list[dict], discount_amounts: list[dict], billing_reason: str, period: tuple[int, int]) -> dict:
    subtotal = sum(line["amount"] for line in lines)
    total = subtotal - sum(entry["amount"] for entry in discount_amounts)
    return {**base(object_id, "invoice", created), "amount_due": total, "amount_overpaid": 0, "amount_paid": 0,
            "amount_remaining": total, "attempt_count": 0, "attempted": False, "auto_advance": True,
            "billing_reason": billing_reason, "collection_method": "charge_automatically", "currency": currency,
            "customer": customer_id, "default_payment_method": None, "description": None,
            "discounts": [entry["discount"] for entry in discount_amounts], "due_date": None,
            "hosted_invoice_url": None, "last_finalization_error": None, "next_payment_attempt": None,
            "number": None, "lines": list_object(lines, f"/v1/invoices/{object_id}/lines"),
            "parent": {"type": "subscription_details", "quote_details": None,
                       "subscription_details": {"subscription": subscription_object["id"],
                                                "metadata": dict(subscription_object["metadata"])}},
            "period_start": period[0], "period_end": period[1], "status": "draft",
            "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                                   "voided_at": None},
            "subtotal": subtotal, "total": total, "total_discount_amounts": discount_amounts}


def invoice_line(object_id: str, invoice_id: str, item: dict, period: tuple[int, int]) -> dict:
    amount = item["price"]["unit_amount"] * item["quantity"]
    return {"id": object_id, "object": "line_item", "amount": amount, "currency": item["price"]["currency"],
            "description": f"{item['quantity']} × {item['price']['product']}", "discount_amounts": [],
            "discountable": True, "discounts": [], "invoice": invoice_id, "livemode": False, "metadata": {},
            "parent": {"type": "subscription_item_details", "invoice_item_details": None,
                       "subscription_item_details": {"subscription": item["subscription"],
                                                     "subscription_item": item["id"], "invoice_item": None,
                                                     "proration": False,
                                                     "proration_details": {"credited_items": None}}},
            "period": {"start": period[0], "end": period[1]},
            "pricing": {"type": "price_details", "unit_amount_decimal": item["price"]["unit_amount_decimal"],
                        "price_details": {"price": item["price"]["id"], "product": item["price"]["product"]}},
            "quantity": item["quantity"], "subtotal": amount, "taxes": []}


def invoice_payment(object_id: str, created: int, invoice_object: dict, payment_intent_id: str) -> dict:
    return {"id": object_id, "object": "invoice_payment", "amount_paid": invoice_object["amount_due"],
            "amount_requested": invoice_object["amount_due"], "created": created,
            "currency": invoice_object["currency"], "invoice": invoice_object["id"], "is_default": True,
            "livemode": False, "payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
            "status": "paid", "status_transitions": {"canceled_at": None, "paid_at": created}}


def charge(object_id: str, created: int, invoice_object: dict, payment_intent_id: str,
           payment_method_id: str | None) -> dict:
    amount = invoice_object["amount_due"]
    return {**base(object_id, "charge", created), "amount": amount, "amount_captured": amount,
            "amount_refunded": 0, "balance_transaction": None, "captured": True,
            "currency": invoice_object["currency"], "customer": invoice_object["customer"],
            "description": "Subscription creation" if invoice_object["billing_reason"] == "subscription_create"
            else "Subscription update", "disputed": False, "failure_code": None, "failure_message": None,
            "paid": True, "payment_intent": payment_intent_id, "payment_method": payment_method_id,
            "refunded": False, "status": "succeeded"}


def refund(object_id: str, created: int, charge_object: dict, amount: int, reason: str | None,
           metadata: dict) -> dict:
    return {**base(object_id, "refund", created, metadata), "amount": amount, "balance_transaction": None,
            "charge": charge_object["id"], "currency": charge_object["currency"], "destination_details": None,
            "payment_intent": charge_object["payment_intent"], "reason": reason, "receipt_number": None,
            "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None}


def dispute(object_id: str, created: int, charge_object: dict, reason: str) -> dict:
    return {**base(object_id, "dispute", created), "amount": charge_object["amount"] - charge_object["amount_refunded"],
            "charge": charge_object["id"], "currency": charge_object["currency"], "is_charge_refundable": False,
            "payment_intent": charge_object["payment_intent"], "reason": reason, "status": "needs_response"}


def checkout_session(object_id: str, created: int, **fields) -> dict:
    return {**base(object_id, "checkout.session", created, fields.pop("metadata")), "amount_subtotal": None,
            "amount_total": None, "cancel_url": None, "customer_details": None, "customer_email": None,
            "expires_at": created + 24 * 3600, "invoice": None, "payment_intent": None,
            "payment_status": "unpaid", "status": "open", "subscription": None, "ui_mode": "hosted",
            "url": f"https://checkout.stripe.com/c/pay/{object_id}", **fields}


def payment_method(object_id: str, created: int, customer_id: str) -> dict:
    return {**base(object_id, "payment_method", created), "type": "card", "customer": customer_id,
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "card": {"brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2034, "funding": "credit",
                     "last4": "4242"}}


def list_object(data: list[dict], url: str, has_more: bool = False) -> dict:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
