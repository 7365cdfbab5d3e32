"""Identity: see services/identity/README.md."""

SERVICE = "identity"  # the producer named in the envelopes it publishes
