"""The OAuth consent: the URL the client's owner is sent to, and the state that ties Google's
answer to the consent we started (single use, short-lived: a forged or replayed callback
matches nothing)."""
from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlencode

# Google Business Profile's one scope: reviews read and replied to.
SCOPE = "https://www.googleapis.com/auth/business.manage"
STATE_LIFETIME = timedelta(minutes=10)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def consent_url(auth_uri: str, client_id: str, redirect_uri: str, state: str) -> str:
    # offline + consent: Google returns a refresh token, also to an owner who consented before.
    return f"{auth_uri}?" + urlencode({
        "client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": SCOPE,
        "access_type": "offline", "prompt": "consent", "include_granted_scopes": "true", "state": state})
