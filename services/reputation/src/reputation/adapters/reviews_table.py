"""The SQL of reviews and of the replies drafted for them."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text

from reputation.domain.reviews import Review


async def add_review(db: Any, client_id: str, source: str, review: Review, now: datetime) -> bool:
    """True the first time the source's review is seen."""
    return await db.scalar(text("""
        INSERT INTO reviews (source, review_id, client_id, ref, rating, author, body, reviewed_at, received_at)
        VALUES (:source, :id, :client, :ref, :rating, :author, :body, :at, :now)
        ON CONFLICT (source, review_id) DO NOTHING RETURNING true"""),
        {"source": source, "id": review.review_id, "client": client_id, "ref": review.ref, "rating": review.rating,
         "author": review.author, "body": review.text, "at": review.reviewed_at, "now": now}) is not None


async def review(db: Any, source: str, review_id: str) -> Any:
    return (await db.execute(text("SELECT * FROM reviews WHERE source = :s AND review_id = :r"),
                             {"s": source, "r": review_id})).first()


async def recent_reviews(db: Any, client_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await db.execute(text("""
        SELECT source, review_id, rating, author, body AS text, reviewed_at, received_at FROM reviews
        WHERE client_id = :c ORDER BY reviewed_at DESC, review_id LIMIT :limit"""), {"c": client_id, "limit": limit})
    return [r._asdict() for r in rows]


async def has_draft(db: Any, source: str, review_id: str) -> bool:
    return await db.scalar(text("SELECT true FROM reply_drafts WHERE source = :s AND review_id = :r"),
                           {"s": source, "r": review_id}) is not None


async def add_draft(db: Any, client_id: str, source: str, review_id: str, body: str, now: datetime) -> None:
    await db.execute(text("""
        INSERT INTO reply_drafts (draft_id, client_id, source, review_id, body, status, created_at)
        VALUES (:id, :client, :source, :review, :body, 'drafted', :now) ON CONFLICT (source, review_id) DO NOTHING"""),
        {"id": uuid.uuid4(), "client": client_id, "source": source, "review": review_id, "body": body, "now": now})


_DRAFT_COLUMNS = """d.draft_id, d.client_id, d.source, d.review_id, d.body AS text, d.status, d.decided_by,
    d.decided_at, d.posted_at, d.created_at, r.rating, r.author, r.body AS review_text"""


async def drafts(db: Any, client_id: str, status: str, limit: int) -> list[dict[str, Any]]:
    rows = await db.execute(text(f"""
        SELECT {_DRAFT_COLUMNS} FROM reply_drafts d JOIN reviews r USING (source, review_id)
        WHERE d.client_id = :c AND d.status = :status ORDER BY d.created_at, d.draft_id LIMIT :limit"""),
        {"c": client_id, "status": status, "limit": limit})
    return [r._asdict() for r in rows]


async def draft(db: Any, client_id: str, draft_id: uuid.UUID) -> dict[str, Any] | None:
    row = (await db.execute(text(f"""
        SELECT {_DRAFT_COLUMNS}, r.ref FROM reply_drafts d JOIN reviews r USING (source, review_id)
        WHERE d.draft_id = :id AND d.client_id = :c"""), {"id": draft_id, "c": client_id})).first()
    return row._asdict() if row else None


async def decide(db: Any, client_id: str, draft_id: uuid.UUID, status: str, body: str | None, person: str,
                 now: datetime) -> bool:
    """A drafted reply approved (maybe edited) or rejected; False when it was decided before."""
    return await db.scalar(text("""
        UPDATE reply_drafts SET status = :status, body = coalesce(:body, body), decided_by = :person, decided_at = :now
        WHERE draft_id = :id AND client_id = :c AND status = 'drafted' RETURNING true"""),
        {"id": draft_id, "c": client_id, "status": status, "body": body, "person": person, "now": now}) is not None


async def posted(db: Any, draft_id: uuid.UUID, now: datetime) -> Any:
    """The draft, the first time it is recorded as posted; None after."""
    return (await db.execute(text("""
        UPDATE reply_drafts SET status = 'posted', posted_at = :now WHERE draft_id = :id AND status = 'approved'
        RETURNING client_id, source, review_id, draft_id, posted_at"""), {"id": draft_id, "now": now})).first()


async def approved_drafts(db: Any, client_id: str, source: str) -> list[uuid.UUID]:
    """Replies approved but not posted (their source was lost before they went)."""
    rows = await db.execute(text("""SELECT draft_id FROM reply_drafts WHERE client_id = :c AND source = :s
                                    AND status = 'approved' ORDER BY decided_at"""), {"c": client_id, "s": source})
    return [r.draft_id for r in rows]
