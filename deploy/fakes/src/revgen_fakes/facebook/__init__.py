"""A Facebook Graph API fake for page ratings: `GET /{version}/{page-id}/ratings` (cursor
pages, newest first), a rating story's comments (`GET`/`POST /{version}/{story-id}/comments`)
with the page's access token (Bearer or `access_token`), refusing a wrong or revoked token
with OAuthException code 190 and a page over its limit with code 32, as the Graph API does;
429 with Retry-After and 5xx via FaultInjector.

Base URL: `http://127.0.0.1:{port}/v19.0`.
"""
from revgen_fakes.facebook.app import FacebookState, create_app, error_body, faulty_app

__all__ = ["FacebookState", "create_app", "error_body", "faulty_app"]
