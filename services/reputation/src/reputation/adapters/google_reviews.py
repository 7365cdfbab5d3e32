"""Google Business Profile reviews (API v4): a location's reviews, newest first, a page at a
time; a reply put on a review (PUT is idempotent: the same reply twice is one reply)."""
from __future__ import annotations

from datetime import datetime

import httpx

from reputation.adapters.source_errors import TokenRejected, call_source
from reputation.domain.reviews import Access, Page, Review, Source
from revgen_common.errors import PermanentError

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
PAGE_SIZE = 50  # the API's most


class GoogleReviews:
    name: Source = "google"

    def __init__(self, base_url: str, timeout: float = 10.0):
        self._base = base_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout)

    async def page(self, access: Access, page_token: str | None) -> Page:
        params: dict[str, str | int] = {"pageSize": PAGE_SIZE, "orderBy": "updateTime desc"}
        if page_token:
            params["pageToken"] = page_token
        body = await self._call("GET", f"/{access.external_id}/reviews", access, params=params)
        reviews = [_review(r) for r in body.get("reviews", []) if r.get("starRating") in STARS]
        return Page(reviews, body.get("nextPageToken") or None)

    async def reply(self, access: Access, ref: str, text: str) -> None:
        await self._call("PUT", f"/{ref}/reply", access, json={"comment": text})

    async def _call(self, method: str, path: str, access: Access, **kwargs) -> dict:
        def refusal(answer: httpx.Response) -> Exception:
            if answer.status_code == 401:
                return TokenRejected("google refused the access token")
            return PermanentError(f"google refused {method} {path}: {answer.status_code} {answer.text[:300]}")

        return await call_source(self._http, "google", method, self._base + path, access.token, refusal, **kwargs)

    async def aclose(self) -> None:
        await self._http.aclose()


def _review(raw: dict) -> Review:
    return Review(review_id=raw["reviewId"], ref=raw["name"], rating=STARS[raw["starRating"]],
                  author=(raw.get("reviewer") or {}).get("displayName") or "A Google user",
                  text=raw.get("comment") or "", reviewed_at=datetime.fromisoformat(raw["createTime"]))
