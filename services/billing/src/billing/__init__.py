"""Billing: see services/billing/README.md."""

SERVICE = "billing"  # the producer named in the envelopes it publishes
