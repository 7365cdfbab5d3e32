"""Endpoints for products, prices, coupons and customers."""
from __future__ import annotations

import string

from revgen_fakes.stripe import billing_cycle, listing, objects
from revgen_fakes.stripe import params as p
from revgen_fakes.stripe.errors import StripeError, no_such
from revgen_fakes.stripe.state import StripeState

INTERVALS = ("day", "week", "month", "year")
CUSTOMER_FIELDS = {"email", "name", "phone", "description", "metadata"}


def create_product(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"id", "name", "description", "metadata", "active"})
    product = objects.product(p.text(params, "id") or state.new_id("prod", 14), state.clock(),
                              p.text(params, "name", required=True), p.metadata(params),
                              p.text(params, "description"))
    product["active"] = p.boolean(params, "active", True)
    return state.add(product, "product.created")


def create_price(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"product", "unit_amount", "currency", "recurring", "metadata", "nickname",
                              "lookup_key", "active"})
    product_id = p.text(params, "product", required=True)
    state.get("product", product_id, "product")
    recurring_params = p.hash_param(params, "recurring")
    recurring = None
    if recurring_params:
        recurring = {"interval": p.choice(recurring_params, "interval", INTERVALS, required=True),
                     "interval_count": p.integer(recurring_params, "interval_count", default=1, minimum=1),
                     "meter": None, "trial_period_days": None, "usage_type": "licensed"}
    price = objects.price(state.new_id("price"), state.clock(), product_id,
                          p.integer(params, "unit_amount", required=True, minimum=0),
                          p.text(params, "currency", required=True).lower(), recurring, p.metadata(params),
                          p.text(params, "nickname"), p.text(params, "lookup_key"))
    price["active"] = p.boolean(params, "active", True)
    return state.add(price, "price.created")


def update_price(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, {"active", "metadata", "nickname", "lookup_key"})
    price = state.get("price", id)
    active, metadata = p.boolean(params, "active", price["active"]), p.metadata(params, price["metadata"])
    with state.updating(price, "price.updated"):
        price.update(active=active, metadata=metadata, nickname=p.text(params, "nickname", default=price["nickname"]),
                     lookup_key=p.text(params, "lookup_key", default=price["lookup_key"]))
    return price


def create_coupon(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"id", "percent_off", "amount_off", "currency", "duration", "duration_in_months",
                              "max_redemptions", "redeem_by", "name", "metadata"})
    percent_off, amount_off = p.number(params, "percent_off"), p.integer(params, "amount_off", minimum=1)
    if (percent_off is None) == (amount_off is None):
        raise StripeError(400, "You must pass exactly one of percent_off or amount_off.", param="percent_off")
    currency = p.text(params, "currency", required=amount_off is not None)
    duration = p.choice(params, "duration", ("once", "repeating", "forever"), default="once")
    coupon_id = p.text(params, "id") or state.token(8, string.ascii_uppercase + string.digits)
    if coupon_id in state.coupons:
        raise StripeError(400, "Coupon already exists.", code="resource_already_exists", param="id")
    coupon = objects.coupon(coupon_id, state.clock(), metadata=p.metadata(params), percent_off=percent_off,
                            amount_off=amount_off, currency=currency and currency.lower(), duration=duration,
                            duration_in_months=p.integer(params, "duration_in_months",
                                                         required=duration == "repeating", minimum=1),
                            max_redemptions=p.integer(params, "max_redemptions", minimum=1),
                            redeem_by=p.integer(params, "redeem_by"), name=p.text(params, "name"))
    return state.add(coupon, "coupon.created")


def delete_coupon(state: StripeState, params: dict, id: str) -> dict:
    # Discounts already applied keep working: they hold their own copy of the coupon.
    coupon = state.get("coupon", id)
    del state.coupons[id]
    state.emit("coupon.deleted", coupon)
    return objects.deleted(id, "coupon")


def live_customer(state: StripeState, customer_id: str, param: str = "id") -> dict:
    customer = state.get("customer", customer_id, param)
    if customer.get("deleted"):
        raise no_such("customer", customer_id, param)
    return customer


def create_customer(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, CUSTOMER_FIELDS)
    customer = objects.customer(state.new_id("cus", 14), state.clock(), metadata=p.metadata(params),
                                **{name: p.text(params, name) for name in CUSTOMER_FIELDS - {"metadata"}})
    return state.add(customer, "customer.created")


def update_customer(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, CUSTOMER_FIELDS)
    customer = live_customer(state, id)
    changes = {name: p.text(params, name) for name in CUSTOMER_FIELDS - {"metadata"} if name in params}
    metadata = p.metadata(params, customer["metadata"])
    with state.updating(customer, "customer.updated"):
        customer.update(changes, metadata=metadata)
    return customer


def delete_customer(state: StripeState, params: dict, id: str) -> dict:
    customer = live_customer(state, id)
    for subscription in state.live_subscriptions():  # as Stripe does, deleting cancels them
        if subscription["customer"] == id:
            billing_cycle.cancel_now(state, subscription, "cancellation_requested")
    state.customers[id] = objects.deleted(id, "customer")  # retrieving shows it as deleted
    state.emit("customer.deleted", customer)
    return state.customers[id]


def list_customers(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"limit", "starting_after", "ending_before", "email"})
    email = p.text(params, "email")
    customers = [c for c in state.customers.values()
                 if not c.get("deleted") and (email is None or c["email"] == email)]
    return listing.page(customers, params, "/v1/customers", "customer")


def search_customers(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"query", "limit", "page"})
    customers = [c for c in state.customers.values() if not c.get("deleted")]
    return listing.search(customers, params, "/v1/customers/search", {"created", "email", "name", "phone"})
