"""Which endpoint function serves which Stripe URL. Endpoint functions are synchronous:
`handler(state, params, **path_ids) -> dict`, raising StripeError."""
from __future__ import annotations

import re

from revgen_fakes.stripe import api_catalog as catalog
from revgen_fakes.stripe import api_records as records
from revgen_fakes.stripe import api_subscriptions as subscriptions
from revgen_fakes.stripe.errors import StripeError

_TABLE = [
    ("POST", "/v1/products", catalog.create_product),
    ("GET", "/v1/products/{id}", records.retriever("product")),
    ("POST", "/v1/prices", catalog.create_price),
    ("GET", "/v1/prices/{id}", records.retriever("price")),
    ("POST", "/v1/prices/{id}", catalog.update_price),
    ("POST", "/v1/coupons", catalog.create_coupon),
    ("GET", "/v1/coupons/{id}", records.retriever("coupon")),
    ("DELETE", "/v1/coupons/{id}", catalog.delete_coupon),
    ("POST", "/v1/customers", catalog.create_customer),
    ("GET", "/v1/customers", catalog.list_customers),
    ("GET", "/v1/customers/search", catalog.search_customers),
    ("GET", "/v1/customers/{id}", records.retriever("customer")),
    ("POST", "/v1/customers/{id}", catalog.update_customer),
    ("DELETE", "/v1/customers/{id}", catalog.delete_customer),
    ("POST", "/v1/subscriptions", subscriptions.create_subscription),
    ("GET", "/v1/subscriptions", subscriptions.list_subscriptions),
    ("GET", "/v1/subscriptions/search", subscriptions.search_subscriptions),
    ("GET", "/v1/subscriptions/{id}", records.retriever("subscription")),
    ("POST", "/v1/subscriptions/{id}", subscriptions.update_subscription),
    ("DELETE", "/v1/subscriptions/{id}", subscriptions.cancel_subscription),
    ("POST", "/v1/subscriptions/{id}/pause", subscriptions.pause_subscription),
    ("POST", "/v1/subscriptions/{id}/resume", subscriptions.resume_subscription),
    ("GET", "/v1/invoices", records.list_invoices),
    ("GET", "/v1/invoices/{id}", records.retriever("invoice")),
    ("GET", "/v1/invoice_payments", records.list_invoice_payments),
    ("GET", "/v1/invoice_payments/{id}", records.retriever("invoice_payment")),
    ("GET", "/v1/charges", records.list_charges),
    ("GET", "/v1/charges/{id}", records.retriever("charge")),
    ("POST", "/v1/refunds", records.create_refund),
    ("GET", "/v1/refunds/{id}", records.retriever("refund")),
    ("GET", "/v1/disputes/{id}", records.retriever("dispute")),
    ("GET", "/v1/payment_methods/{id}", records.retriever("payment_method")),
    ("POST", "/v1/checkout/sessions", records.create_checkout_session),
    ("GET", "/v1/checkout/sessions/{id}", records.retriever("checkout.session")),
    ("POST", "/v1/checkout/sessions/{id}/expire", records.expire_checkout_session),
    ("GET", "/v1/events", records.list_events),
    ("GET", "/v1/events/{id}", records.retriever("event")),
]
ROUTES = [(method, re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"), handler)
          for method, template, handler in _TABLE]


def resolve(method: str, path: str):
    """(handler, path ids) for a request, or Stripe's 404 for URLs it does not know."""
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return handler, match.groupdict()
    raise StripeError(404, f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
                           "or we can help at https://support.stripe.com/.")
