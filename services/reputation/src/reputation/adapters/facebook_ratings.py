"""Facebook page ratings (Graph API `/{page-id}/ratings`) read with the page's access token;
a reply is a comment on the rating's story, looked for before it is posted (a comment POST
is not idempotent). No official async Python SDK exists for the Graph API: plain HTTP."""
from __future__ import annotations

from datetime import datetime

import httpx

from reputation.adapters.source_errors import GrantRevoked, Throttled, TokenRejected, call_source, retry_after
from reputation.domain.reviews import Access, Page, Review, Source
from revgen_common.errors import PermanentError

FIELDS = "created_time,recommendation_type,review_text,rating,reviewer{id,name},open_graph_story{id}"
PAGE_SIZE = 50
# Graph API throttling comes as 400/403 with these codes (app, user, page, a call's own limit).
THROTTLED = {4, 17, 32, 613}
INVALID_TOKEN = 190  # expired, revoked, password changed: the page must be connected again
# A recommendation without a star rating (the form Facebook uses since 2018).
RECOMMENDATION_STARS = {"positive": 5, "negative": 1}


class FacebookRatings:
    name: Source = "facebook"

    def __init__(self, base_url: str, timeout: float = 10.0):
        self._base = base_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout)

    async def page(self, access: Access, page_token: str | None) -> Page:
        params = {"fields": FIELDS, "limit": str(PAGE_SIZE)}
        if page_token:
            params["after"] = page_token
        body = await self._call("GET", f"/{access.external_id}/ratings", access, params=params)
        reviews = [_review(r) for r in body.get("data", []) if (r.get("open_graph_story") or {}).get("id")]
        paging = body.get("paging") or {}
        return Page(reviews, (paging.get("cursors") or {}).get("after") if paging.get("next") else None)

    async def reply(self, access: Access, ref: str, text: str) -> None:
        comments = await self._call("GET", f"/{ref}/comments", access, params={"fields": "from{id},message"})
        if any((c.get("from") or {}).get("id") == access.external_id and c.get("message") == text
               for c in comments.get("data", [])):
            return  # posted by a try whose answer was lost
        await self._call("POST", f"/{ref}/comments", access, data={"message": text})

    async def _call(self, method: str, path: str, access: Access, **kwargs) -> dict:
        return await call_source(self._http, "facebook", method, self._base + path, access.token,
                                 lambda answer: _refusal(answer, method, path), **kwargs)

    async def aclose(self) -> None:
        await self._http.aclose()


def _refusal(answer: httpx.Response, method: str, path: str) -> Exception:
    try:
        error = answer.json().get("error") or {}
    except ValueError:
        error = {}
    code, message = error.get("code"), error.get("message") or answer.text[:300]
    if code in THROTTLED:
        return Throttled(f"facebook throttled ({code}): {message}", retry_after=retry_after(answer.headers))
    if code == INVALID_TOKEN:
        return GrantRevoked(f"facebook refused the page token: {message}")
    if answer.status_code == 401:
        return TokenRejected(f"facebook refused the page token: {message}")
    return PermanentError(f"facebook refused {method} {path}: {answer.status_code} {message}")


def _review(raw: dict) -> Review:
    rating = raw.get("rating") or RECOMMENDATION_STARS.get(raw.get("recommendation_type", ""), 3)
    reviewer = raw.get("reviewer") or {}
    return Review(review_id=raw["open_graph_story"]["id"], ref=raw["open_graph_story"]["id"], rating=int(rating),
                  author=reviewer.get("name") or "A Facebook user", text=raw.get("review_text") or "",
                  reviewed_at=datetime.fromisoformat(raw["created_time"].replace("+0000", "+00:00")))
