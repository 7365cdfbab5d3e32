"""A Google fake for Business Profile: the OAuth 2.0 endpoints (a consent that says yes at
once, and the token endpoint the official `google-auth` library refreshes against:
`invalid_grant` for a revoked or unknown refresh token, `invalid_client` for wrong client
credentials) and the reviews API v4 (a location's reviews, newest first, by pages; a reply
put on a review), behind Bearer access tokens, with Google's per-location and per-project
quotas answered as 429 RESOURCE_EXHAUSTED with Retry-After, and 5xx via FaultInjector.

Aiming google-auth at it: `token_uri=f"http://127.0.0.1:{port}/token"`; the reviews API's
base URL is `http://127.0.0.1:{port}/v4`.
"""
from revgen_fakes.google.app import GoogleState, create_app, error_body, faulty_app

__all__ = ["GoogleState", "create_app", "error_body", "faulty_app"]
