"""Replies on the real stack: the AI drafts one for each new review (through the OpenAI
fake); nothing reaches the source until a person approves it; approved twice, it is posted
once, as edited; a rejected draft is never posted."""
import asyncio

from reputation_testing import CREATED, connect_facebook, connect_google, new_client, published, rows, running_reputation
from revgen_testing.running import eventually

LOCATION = "accounts/3/locations/4"


async def _drafts(reputation, client: str, status: str = "drafted") -> list[dict]:
    answer = await reputation.api.get(f"/clients/{client}/reply-drafts", params={"status": status})
    return answer.json()["data"]


async def test_a_draft_waits_for_approval_and_approved_twice_is_posted_once_as_edited(
        infra, all_topics, reputation_engine, google, openai, clock):
    client = new_client()
    google.state.add_review(LOCATION, "r1", 2, "Late and rude.", "Cy", CREATED)
    async with running_reputation(infra, reputation_engine, clock, google=google, openai=openai) as reputation:
        await connect_google(reputation, client, LOCATION)
        await reputation.polling.schedule()
        [draft] = await eventually(lambda: _drafts(reputation, client), timeout=60)
        assert draft["rating"] == 2 and draft["text"] and draft["status"] == "drafted"
        assert google.state.requests.count("PUT") == 0  # drafted, not posted

        path = f"/clients/{client}/reply-drafts/{draft['draft_id']}/approve"
        edited = {"person_id": "owner-1", "text": "We are sorry, Cy. Please call us."}
        first, second = await asyncio.gather(reputation.api.post(path, json=edited), reputation.api.post(path, json=edited))
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        await eventually(lambda: _drafts(reputation, client, "posted"), timeout=60)
        await eventually(lambda: published(reputation_engine, "ReplyPosted"), timeout=30)
    assert google.state.replies == {f"{LOCATION}/reviews/r1": "We are sorry, Cy. Please call us."}
    assert google.state.requests.count("PUT") == 1
    assert len(await published(reputation_engine, "PostReply")) == 1
    assert len(await published(reputation_engine, "ReplyPosted")) == 1


async def test_a_rejected_draft_is_never_posted_and_cannot_be_approved_after(
        infra, all_topics, reputation_engine, facebook, openai, clock):
    client, page = new_client(), "4242"
    async with running_reputation(infra, reputation_engine, clock, facebook=facebook, openai=openai) as reputation:
        await connect_facebook(reputation, facebook, client, page)
        facebook.state.add_rating(page, "negative", "Never again", "Dee", "2026-11-21T10:00:00+0000")
        await reputation.polling.schedule()
        [draft] = await eventually(lambda: _drafts(reputation, client), timeout=60)
        base = f"/clients/{client}/reply-drafts/{draft['draft_id']}"
        assert (await reputation.api.post(f"{base}/reject", json={"person_id": "owner-1"})).status_code == 200
        refused = await reputation.api.post(f"{base}/approve", json={"person_id": "owner-1"})
        assert refused.status_code == 409
        unknown = await reputation.api.post(f"/clients/{client}/reply-drafts/{'0' * 8}-0000-0000-0000-{'0' * 12}/approve",
                                            json={"person_id": "owner-1"})
        assert unknown.status_code == 404
    assert facebook.state.comments == {}
    assert await published(reputation_engine, "PostReply") == []
    assert [r["status"] for r in await rows(reputation_engine, "SELECT status FROM reply_drafts")] == ["rejected"]


async def test_a_facebook_reply_whose_answer_was_lost_is_not_posted_again(
        infra, all_topics, reputation_engine, facebook, openai, clock):
    client, page = new_client(), "5151"
    async with running_reputation(infra, reputation_engine, clock, facebook=facebook, openai=openai) as reputation:
        await connect_facebook(reputation, facebook, client, page)
        rating = facebook.state.add_rating(page, "positive", "Lovely", "Eve", "2026-11-21T10:00:00+0000")
        await reputation.polling.schedule()
        [draft] = await eventually(lambda: _drafts(reputation, client), timeout=60)
        facebook.faults.script("drop_response", method="POST", path_prefix="/v19.0/")  # posted, answer lost
        approved = await reputation.api.post(f"/clients/{client}/reply-drafts/{draft['draft_id']}/approve",
                                             json={"person_id": "owner-1"})
        assert approved.status_code == 200
        await eventually(lambda: _drafts(reputation, client, "posted"), timeout=60)
    story = rating["open_graph_story"]["id"]
    assert [c["message"] for c in facebook.state.comments[story]] == [draft["text"]]
    assert facebook.state.requests.count("POST") == 1


async def test_reviews_and_drafts_come_in_keyset_pages_and_a_forged_cursor_is_a_400(
        infra, all_topics, reputation_engine, google, openai, clock):
    client = new_client()
    for n in range(3):
        google.state.add_review(LOCATION, f"k{n}", 5, f"Great {n}", "Ann", f"2026-11-2{n}T10:00:00Z")
    async with running_reputation(infra, reputation_engine, clock, google=google, openai=openai) as reputation:
        await connect_google(reputation, client, LOCATION)
        await reputation.polling.schedule()
        await eventually(lambda: _drafts_count(reputation, client, 3), timeout=60)
        for path, key in ((f"/clients/{client}/reviews", "review_id"), (f"/clients/{client}/reply-drafts", "draft_id")):
            seen, cursor = [], None
            while True:
                answer = await reputation.api.get(path, params={"limit": 2} | ({"cursor": cursor} if cursor else {}))
                assert answer.status_code == 200, answer.text
                page = answer.json()
                seen += [item[key] for item in page["data"]]
                if not (cursor := page["next"]):
                    break
            assert len(seen) == len(set(seen)) == 3
        newest_first = (await reputation.api.get(f"/clients/{client}/reviews")).json()["data"]
        assert [r["review_id"] for r in newest_first] == ["k2", "k1", "k0"]
        forged = await reputation.api.get(f"/clients/{client}/reviews", params={"cursor": "bm90LWEtY3Vyc29y"})
    assert forged.status_code == 400 and "cursor" in forged.text


async def _drafts_count(reputation, client: str, n: int) -> bool:
    answer = await reputation.api.get(f"/clients/{client}/reply-drafts", params={"limit": 100})
    return len(answer.json()["data"]) == n
