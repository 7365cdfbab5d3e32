"""Subscription endpoints."""
from __future__ import annotations

import copy

from revgen_fakes.stripe import billing_cycle, listing, objects
from revgen_fakes.stripe import params as p
from revgen_fakes.stripe.api_catalog import live_customer
from revgen_fakes.stripe.errors import StripeError, bad_param, no_such
from revgen_fakes.stripe.state import StripeState

STATUSES = ("active", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "trialing", "paused")
PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")
ACCEPTED_AND_IGNORED = {"proration_behavior", "off_session", "collection_method"}


def recurring_price(state: StripeState, price_id: str) -> dict:
    price = state.get("price", price_id, "price")
    if not price["active"]:
        raise bad_param("price", "The price specified is inactive. This field only accepts active prices.")
    if not price["recurring"]:
        raise bad_param("price", "The price specified is set to `type=one_time` but this field only accepts "
                                 "prices with `type=recurring`.")
    return price


def priced_items(state: StripeState, specs: list, name: str) -> list[tuple[dict, int]]:
    if not specs:
        raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    result = []
    for index, spec in enumerate(specs):
        with p.within(f"{name}[{index}]"):
            if not isinstance(spec, dict):
                raise bad_param("price", "Invalid object")
            p.reject_unknown(spec, {"price", "quantity", "metadata"})
            result.append((recurring_price(state, p.text(spec, "price", required=True)),
                           p.integer(spec, "quantity", default=1, minimum=0)))
    if len({price["currency"] for price, _ in result}) > 1:
        raise bad_param(name, "All prices on a subscription must have the same currency.")
    return result


def create_subscription(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"customer", "items", "trial_period_days", "discounts", "metadata", "description",
                              "cancel_at_period_end", "payment_behavior"} | ACCEPTED_AND_IGNORED)
    customer_id = p.text(params, "customer", required=True)
    live_customer(state, customer_id, "customer")
    prices = priced_items(state, p.list_param(params, "items", required=True), "items")
    coupon_ids = []
    for index, discount in enumerate(p.list_param(params, "discounts")):
        with p.within(f"discounts[{index}]"):
            coupon_ids.append(p.text(discount, "coupon", required=True))
    subscription = billing_cycle.create_subscription(
        state, customer_id, prices, metadata=p.metadata(params),
        trial_days=p.integer(params, "trial_period_days", default=0, minimum=0, maximum=730), coupon_ids=coupon_ids,
        cancel_at_period_end=p.boolean(params, "cancel_at_period_end", False),
        payment_behavior=p.choice(params, "payment_behavior", PAYMENT_BEHAVIORS, default="allow_incomplete"),
        payment_fails=customer_id in state.failing_customers, description=p.text(params, "description"))
    return subscription


def _item_change(state: StripeState, subscription: dict, spec, index: int):
    """Validates one `items[i]` entry now; returns the function that applies it."""
    items = subscription["items"]["data"]
    with p.within(f"items[{index}]"):
        if not isinstance(spec, dict):
            raise bad_param("id", "Invalid object")
        p.reject_unknown(spec, {"id", "price", "quantity", "deleted", "metadata"})
        item_id = p.text(spec, "id")
        item = next((item for item in items if item["id"] == item_id), None)
        if item_id and item is None:
            raise no_such("subscription_item", item_id, "id")
        price_id = p.text(spec, "price", required=item is None)
        price = recurring_price(state, price_id) if price_id else None
        quantity, deleted = p.integer(spec, "quantity", minimum=0), p.boolean(spec, "deleted", False)

    def apply() -> None:
        if deleted:
            items.remove(item)
        elif item is None:
            assert price is not None  # required for a new item (checked above)
            period = (items[0]["current_period_start"], items[0]["current_period_end"])
            items.append(objects.subscription_item(state.new_id("si"), state.clock(), subscription["id"],
                                                   copy.deepcopy(price), quantity or 1, period))
        else:
            item["price"] = copy.deepcopy(price) if price else item["price"]
            item["quantity"] = item["quantity"] if quantity is None else quantity

    return apply


def _pause_collection(params: dict, current):
    if "pause_collection" not in params:
        return current
    if params["pause_collection"] == "":
        return None
    with p.within("pause_collection"):
        settings = p.hash_param(params, "pause_collection")
        return {"behavior": p.choice(settings, "behavior", ("keep_as_draft", "mark_uncollectible", "void"),
                                     required=True),
                "resumes_at": p.integer(settings, "resumes_at")}


def _discounts_change(state: StripeState, subscription: dict, params: dict):
    """`discounts` replaces the subscription's discounts: an entry keeps one it has
    (`{discount}`) or redeems a coupon (`{coupon}`); `discounts=""` removes them all.
    Validated now (an expired coupon refuses the whole update); returns what applies it."""
    if "discounts" not in params:
        return lambda: None
    keep, coupons = [], []
    for index, entry in enumerate([] if params["discounts"] == "" else p.list_param(params, "discounts")):
        with p.within(f"discounts[{index}]"):
            if not isinstance(entry, dict):
                raise bad_param("coupon", "Invalid object")
            p.reject_unknown(entry, {"coupon", "discount"})
            if discount_id := p.text(entry, "discount"):
                if discount_id not in subscription["discounts"]:
                    raise no_such("discount", discount_id, f"discounts[{index}][discount]")
                keep.append(discount_id)
                continue
            coupon_id = p.text(entry, "coupon", required=True)
        billing_cycle.check_coupon_redeemable(state, coupon_id, f"discounts[{index}][coupon]")
        coupons.append((index, coupon_id))

    def apply() -> None:
        subscription["discounts"] = keep + [
            billing_cycle.redeem_coupon(state, coupon_id, f"discounts[{index}][coupon]", subscription)
            for index, coupon_id in coupons]

    return apply


def update_subscription(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, {"items", "cancel_at_period_end", "pause_collection", "metadata", "description",
                              "cancellation_details", "payment_behavior", "discounts"} | ACCEPTED_AND_IGNORED)
    subscription = state.get("subscription", id)
    if subscription["status"] == "canceled" and set(params) - {"metadata", "cancellation_details", "expand"}:
        raise StripeError(400, "A canceled subscription can only update its cancellation_details and metadata.")
    changes = [_item_change(state, subscription, spec, index)
               for index, spec in enumerate(p.list_param(params, "items"))]
    changes.append(_discounts_change(state, subscription, params))
    cancel_at_period_end = p.boolean(params, "cancel_at_period_end", subscription["cancel_at_period_end"])
    pause = _pause_collection(params, subscription["pause_collection"])
    metadata = p.metadata(params, subscription["metadata"])
    details = p.hash_param(params, "cancellation_details")
    with state.updating(subscription, "customer.subscription.updated"):
        for apply in changes:
            apply()
        period_end = subscription["items"]["data"][0]["current_period_end"]
        subscription.update(cancel_at_period_end=cancel_at_period_end, pause_collection=pause, metadata=metadata,
                            cancel_at=period_end if cancel_at_period_end else None,
                            description=p.text(params, "description", default=subscription["description"]))
        subscription["cancellation_details"].update({k: v for k, v in details.items() if k in ("comment", "feedback")})
    return subscription


def cancel_subscription(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, {"invoice_now", "prorate", "cancellation_details"})
    subscription = state.get("subscription", id)
    if subscription["status"] == "canceled":
        raise StripeError(400, f"The subscription {id} has already been canceled.", param="subscription")
    details = p.hash_param(params, "cancellation_details")
    subscription["cancellation_details"].update({k: v for k, v in details.items() if k in ("comment", "feedback")})
    billing_cycle.cancel_now(state, subscription, "cancellation_requested")
    return subscription


def pause_subscription(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, {"type", "bill_for", "invoicing_behavior"})
    subscription = state.get("subscription", id)
    billing_cycle.set_paused(state, subscription, True)
    return subscription


def resume_subscription(state: StripeState, params: dict, id: str) -> dict:
    p.reject_unknown(params, {"billing_cycle_anchor", "proration_behavior", "proration_date"})
    if "billing_cycle_anchor" in params:  # an object since API 2026-09-30.endive: {type: now | unchanged}
        anchor = p.hash_param(params, "billing_cycle_anchor")
        with p.within("billing_cycle_anchor"):
            p.reject_unknown(anchor, {"type"})
            p.choice(anchor, "type", ("now", "unchanged"), required=True)  # (both resume as `now` here)
    subscription = state.get("subscription", id)
    billing_cycle.set_paused(state, subscription, False)
    return subscription


def list_subscriptions(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"status", "customer", "price", "limit", "starting_after", "ending_before"})
    status = p.choice(params, "status", STATUSES + ("all", "ended"))
    customer, price = p.text(params, "customer"), p.text(params, "price")

    def wanted(sub: dict) -> bool:
        if status == "all":
            status_ok = True
        elif status == "ended":
            status_ok = sub["status"] in billing_cycle.ENDED
        else:  # without a status, Stripe leaves canceled subscriptions out
            status_ok = sub["status"] == status if status else sub["status"] != "canceled"
        return (status_ok and customer in (None, sub["customer"])
                and (price is None or any(item["price"]["id"] == price for item in sub["items"]["data"])))

    return listing.page([s for s in state.subscriptions.values() if wanted(s)], params, "/v1/subscriptions",
                        "subscription")


def search_subscriptions(state: StripeState, params: dict) -> dict:
    p.reject_unknown(params, {"query", "limit", "page"})
    return listing.search(list(state.subscriptions.values()), params, "/v1/subscriptions/search",
                          {"created", "status"})
