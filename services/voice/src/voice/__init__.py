"""Voice: see services/voice/README.md."""

SERVICE = "voice"  # the producer named in the envelopes it publishes
