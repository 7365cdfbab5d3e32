"""Helpers for tests and fakes: signing requests exactly as the providers do."""
