"""A stateful Stripe fake the official SDK talks to unchanged (see app.create_app)."""
from revgen_fakes.stripe.app import create_app, faulty_app
from revgen_fakes.stripe.state import StripeState

__all__ = ["StripeState", "create_app", "faulty_app"]
