"""Reviews as reputation sees them, whatever the source, and the port every source sits
behind. No I/O here: adapters/google_reviews.py and adapters/facebook_ratings.py speak
to the sources."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Source = Literal["google", "facebook"]
SOURCES: tuple[Source, ...] = ("google", "facebook")
EXCERPT = 160  # what an alert quotes of a review


@dataclass(frozen=True)
class Review:
    review_id: str  # the source's id, unique within the source
    ref: str  # what the source needs to reply to it (Google's review name, Facebook's story id)
    rating: int  # 1-5 stars
    author: str
    text: str
    reviewed_at: datetime


@dataclass(frozen=True)
class Page:
    reviews: list[Review]  # newest first
    next_page_token: str | None


@dataclass(frozen=True)
class Access:
    """What a source needs to be read as the client: a bearer token and where the reviews live."""
    token: str
    external_id: str  # Google's accounts/{a}/locations/{l}; Facebook's page id


class ReviewSource(Protocol):
    name: Source

    async def page(self, access: Access, page_token: str | None) -> Page: ...

    async def reply(self, access: Access, ref: str, text: str) -> None:
        """Post `text` as the business's reply; posting the same reply again changes nothing."""

    async def aclose(self) -> None: ...


def is_low(rating: int, threshold: int) -> bool:
    return rating <= threshold


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rstrip() + "…"


def more_pages(page: Page, new: int) -> str | None:
    """The next page is read only while every review on this one was new: an older page
    holds reviews already seen (sources list newest first)."""
    return page.next_page_token if page.reviews and new == len(page.reviews) else None
