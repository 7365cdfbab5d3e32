"""Escalation: see services/escalation/README.md."""

SERVICE = "escalation"  # the producer named in the envelopes it publishes
