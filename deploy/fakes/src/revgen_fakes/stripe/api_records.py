"""Endpoints for invoices, payments, charges, refunds, checkout sessions and events."""
from __future__ import annotations

import fnmatch

from revgen_fakes.stripe import billing_cycle, listing, objects
from revgen_fakes.stripe import params as p
from revgen_fakes.stripe.api_catalog import live_customer
from revgen_fakes.stripe.api_subscriptions import priced_items
from revgen_fakes.stripe.errors import StripeError, no_such
from revgen_fakes.stripe.state import StripeState

PAGING = {"limit", "starting_after", "ending_before"}
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def retriever(object_type: str):
    def retrieve(state: StripeState, params: dict, id: str) -> dict:
        return state.get(object_type, id)
    return retrieve


def list_invoices(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, PAGING | {"customer", "subscription", "status"})
    status = p.choice(params, "status", ("draft", "open", "paid", "uncollectible", "void"))
    customer, subscription = p.text(params, "customer"), p.text(params, "subscription")
    invoices = [invoice for invoice in state.invoices.values()
                if customer in (None, invoice["customer"]) and status in (None, invoice["status"])
                and subscription in (None, invoice["parent"]["subscription_details"]["subscription"])]
    return listing.page(invoices, params, "/v1/invoices", "invoice")


def list_invoice_payments(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, PAGING | {"invoice", "payment", "status"})
    invoice, payment = p.text(params, "invoice"), p.hash_param(params, "payment")
    payment_intent = p.text(payment, "payment_intent")
    found = [record for record in state.invoice_payments.values()
             if invoice in (None, record["invoice"])
             and payment_intent in (None, record["payment"]["payment_intent"])]
    return listing.page(found, params, "/v1/invoice_payments", "invoice_payment")


def list_charges(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, PAGING | {"customer", "payment_intent"})
    customer, payment_intent = p.text(params, "customer"), p.text(params, "payment_intent")
    charges = [charge for charge in state.charges.values()
               if customer in (None, charge["customer"]) and payment_intent in (None, charge["payment_intent"])]
    return listing.page(charges, params, "/v1/charges", "charge")


def create_refund(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"charge", "payment_intent", "amount", "reason", "metadata"})
    charge = _charge_to_refund(state, p.text(params, "charge"), p.text(params, "payment_intent"))
    refundable = charge["amount"] - charge["amount_refunded"]
    if refundable == 0:
        raise StripeError(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    if charge["disputed"]:
        raise StripeError(400, f"Charge {charge['id']} has been charged back; you cannot issue a refund on it.",
                          code="charge_disputed")
    amount = p.integer(params, "amount", default=refundable, minimum=1)
    if amount > refundable:
        raise StripeError(400, f"Refund amount (${amount / 100:.2f}) is greater than unrefunded amount on charge "
                               f"(${refundable / 100:.2f})", code="amount_too_large", param="amount")
    return billing_cycle.refund(state, charge, amount, p.choice(params, "reason", REFUND_REASONS), p.metadata(params))


def _charge_to_refund(state: StripeState, charge_id: str | None, payment_intent_id: str | None) -> dict:
    if (charge_id is None) == (payment_intent_id is None):
        raise StripeError(400, "You must pass exactly one of charge or payment_intent.", code="parameter_missing",
                          param="charge")
    if charge_id is not None:
        return state.get("charge", charge_id, "charge")
    assert payment_intent_id is not None  # exactly one of the two (checked above)
    charge = next((c for c in state.charges.values()
                   if c["payment_intent"] == payment_intent_id and c["status"] == "succeeded"), None)
    if charge is None:
        raise no_such("payment_intent", payment_intent_id, "payment_intent")
    return charge


def create_checkout_session(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"mode", "line_items", "success_url", "cancel_url", "customer", "customer_email",
                              "client_reference_id", "metadata", "subscription_data", "allow_promotion_codes",
                              "ui_mode", "payment_method_types"})
    if p.choice(params, "mode", ("payment", "setup", "subscription"), required=True) != "subscription":
        raise StripeError(400, "This fake supports only mode=subscription.", param="mode")
    customer_id = p.text(params, "customer")
    if customer_id:
        live_customer(state, customer_id, "customer")
    prices = priced_items(state, p.list_param(params, "line_items", required=True), "line_items")
    with p.within("subscription_data"):
        subscription_data = p.hash_param(params, "subscription_data")
        p.reject_unknown(subscription_data, {"metadata", "trial_period_days", "description"})
        order = {"prices": prices, "metadata": p.metadata(subscription_data),
                 "trial_days": p.integer(subscription_data, "trial_period_days", default=0, minimum=0)}
    session = objects.checkout_session(
        "cs_test_" + state.token(58), state.clock(), metadata=p.metadata(params), mode="subscription",
        customer=customer_id, customer_email=p.text(params, "customer_email"),
        client_reference_id=p.text(params, "client_reference_id"), currency=prices[0][0]["currency"],
        success_url=p.text(params, "success_url"), cancel_url=p.text(params, "cancel_url"))
    state.checkout_orders[session["id"]] = order
    return state.add(session)  # Stripe sends no event when a session is created


def expire_checkout_session(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, set())
    session = state.get("checkout.session", id)
    if session["status"] != "open":
        raise StripeError(400, f"Only Checkout Sessions with a status in [\"open\"] can be expired. This "
                               f"Checkout Session has a status of \"{session['status']}\".", param="session")
    with state.updating(session, "checkout.session.expired"):
        session["status"] = "expired"
    return session


def list_events(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, PAGING | {"type", "types", "created", "delivery_success"})
    pattern, types = p.text(params, "type"), p.list_param(params, "types")
    created = params.get("created")
    bounds = created if isinstance(created, dict) else {"eq": created} if created else {}
    compare = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__, "eq": int.__eq__}
    with p.within("created"):
        limits = [(compare[op], value) for op in bounds  # an empty bound is unset, as at Stripe
                  if op in compare and (value := p.integer(bounds, op)) is not None]

    def wanted(event: dict) -> bool:
        return ((pattern is None or fnmatch.fnmatchcase(event["type"], pattern))
                and (not types or event["type"] in types)
                and all(test(event["created"], value) for test, value in limits))

    return listing.page([event for event in state.events if wanted(event)], params, "/v1/events", "event")
