"""Claims from the admin UI's queue follow the claim link's rule: one winner when page claims
and link claims race, only the client's active team, only the owner resolves; a link is
shown without being claimed; the queue is newest first, a page at a time."""
import asyncio
import uuid

import pytest
from sqlalchemy import text

from escalation.service_layer.claims import ClaimRefused, NotOnTheTeam, UnknownEscalation, UnknownLink
from escalation.service_layer.queue_views import QueueViews
from escalation_testing import apply, claim_tokens, requested, sent, team
from revgen_common.pagination import InvalidCursor, encode_cursor


def client() -> str:
    return f"client-{uuid.uuid4().hex[:8]}"


async def escalation_of(engine, client_id: str) -> uuid.UUID:
    async with engine.connect() as db:
        return await db.scalar(text("SELECT id FROM escalations WHERE client_id = :c ORDER BY created_at DESC LIMIT 1"),
                               {"c": client_id})


async def test_page_claims_and_link_claims_racing_have_exactly_one_winner_in_each_of_50_trials(
        escalation_engine, escalations, claims, roster):
    c = client()
    members = await team(escalation_engine, roster, c, 6)
    for trial in range(50):
        await apply(escalation_engine, escalations.request, requested(c))
        escalation = await escalation_of(escalation_engine, c)
        tokens = list(claim_tokens(await sent(escalation_engine, c)).values())
        by_link = [claims.claim(t) for t in tokens[:3]]
        by_page = [claims.claim_as(c, escalation, m["person_id"]) for m in members[3:]]
        results = await asyncio.gather(*by_link, *by_page, return_exceptions=True)
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, ClaimRefused)]
        assert (len(winners), len(losers)) == (1, 5), f"trial {trial}: {results}"
        assert all(loser.owner_name and loser.status == "claimed" for loser in losers)
    yours = [m for m in await sent(escalation_engine, c) if m["body"].startswith("It's yours")]
    assert len(yours) == 50


async def test_only_the_clients_active_team_claims_from_the_page_and_only_the_owner_resolves(
        escalation_engine, escalations, claims, roster):
    c = client()
    owner, member = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, escalations.request, requested(c))
    escalation = await escalation_of(escalation_engine, c)
    with pytest.raises(NotOnTheTeam):
        await claims.claim_as(c, escalation, "p-agency-owner-not-on-the-team")
    with pytest.raises(UnknownEscalation):
        await claims.claim_as(client(), escalation, member["person_id"])  # another client's path
    await claims.claim_as(c, escalation, member["person_id"])
    with pytest.raises(ClaimRefused, match="not yours"):
        await claims.resolve_as(c, escalation, owner["person_id"])
    await claims.resolve_as(c, escalation, member["person_id"])
    with pytest.raises(ClaimRefused, match="resolved"):
        await claims.claim_as(c, escalation, owner["person_id"])


async def test_a_link_is_shown_without_being_claimed_and_its_number_only_to_the_one_who_has_it(
        escalation_engine, escalations, claims, roster):
    c = client()
    first, second = await team(escalation_engine, roster, c, 2)
    await apply(escalation_engine, escalations.request, requested(c))
    tokens = claim_tokens(await sent(escalation_engine, c))
    views = QueueViews(escalation_engine)
    for _ in range(3):  # a phone's link preview, then the person
        shown = await views.link(tokens[first["phone"]])
        assert (shown["status"], shown["yours"], shown["lead_phone"]) == ("pending", False, None)
    await claims.claim(tokens[first["phone"]])
    assert (await views.link(tokens[first["phone"]]))["lead_phone"] == "+15550001111"
    other = await views.link(tokens[second["phone"]])
    assert (other["status"], other["owner"], other["lead_phone"]) == ("claimed", "Member 0", None)
    with pytest.raises(UnknownLink):
        await views.link("no-such-token-at-all")


async def test_the_queue_is_newest_first_a_page_at_a_time_and_refuses_a_forged_cursor(escalation_engine, escalations, roster,
                                                                                        clock):
    c = client()
    await team(escalation_engine, roster, c, 1)
    for _ in range(5):
        await apply(escalation_engine, escalations.request, requested(c))
        clock.advance(minutes=1)
    views = QueueViews(escalation_engine)
    first = await views.queue(c, True, 2, None)
    rest = await views.queue(c, True, 10, first["next"])
    seen = [e["created_at"] for e in first["data"] + rest["data"]]
    assert len(set(seen)) == 5 and seen == sorted(seen, reverse=True) and rest["next"] is None
    for forged in ("not-base64!", encode_cursor("yesterday", "x"), encode_cursor("2026-11-28T00:00:00+00:00")):
        with pytest.raises(InvalidCursor):
            await views.queue(c, True, 2, forged)
