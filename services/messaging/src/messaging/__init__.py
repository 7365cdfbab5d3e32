"""Messaging: see services/messaging/README.md."""

SERVICE = "messaging"  # the producer named in the envelopes it publishes
