"""Reputation's messages (`reputation.events`, keyed by client): reviews as they arrive, a
review source that needs its owner again, and reputation's own commands — a poll to make,
a reply a person approved to post (ADR 0019)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from revgen_common.contracts.base import Command, Event
from revgen_common.topics import REPUTATION_EVENTS

PRODUCED_BY = ("reputation",)  # the services that publish these (the AsyncAPI document says so)

Source = Literal["google", "facebook"]
Stars = Annotated[int, Field(strict=True, ge=1, le=5)]


class _ClientMessage:
    client_id: str

    def key(self) -> str:
        return self.client_id


class ReviewReceived(_ClientMessage, Event, topic=REPUTATION_EVENTS):
    """A review reputation had not seen before (each review once, however often it is polled)."""

    client_id: str
    source: Source
    review_id: str  # the source's own id
    rating: Stars
    author: str
    text: str
    reviewed_at: datetime


class LowRatingReceived(_ClientMessage, Event, topic=REPUTATION_EVENTS):
    """A new review at or under the client's low-rating threshold: identity tells the client's team."""

    client_id: str
    source: Source
    review_id: str
    rating: Stars
    author: str
    excerpt: str


class ReviewSourceDisconnected(_ClientMessage, Event, topic=REPUTATION_EVENTS):
    """The source refused the client's grant (Google's `invalid_grant`: revoked or expired):
    nothing is polled or posted with it until the client's owner connects it again."""

    client_id: str
    source: Source
    connection_id: str  # the connection that was lost: a later one is told about on its own
    reason: str


class ReplyPosted(_ClientMessage, Event, topic=REPUTATION_EVENTS):
    """A reply a person approved is on the source."""

    client_id: str
    source: Source
    review_id: str
    draft_id: str
    posted_at: datetime


class PollReviews(_ClientMessage, Command, topic=REPUTATION_EVENTS):
    """Read one page of a client's reviews from one source (reputation's timer publishes it)."""

    client_id: str
    source: Source
    page_token: str | None = None  # a later page, when the first one held only new reviews


class PostReply(_ClientMessage, Command, topic=REPUTATION_EVENTS):
    """Post the approved draft to its source (once, however often the approval is sent)."""

    client_id: str
    draft_id: str
