"""Google's grant refused (`invalid_grant`: revoked or expired) on the real stack: the
connection is marked as needing its owner, one event says so, and nothing more is asked of
Google with it — however many polls were queued or come due (counted at the fake)."""
from datetime import timedelta

from reputation_testing import CREATED, connect_google, new_client, published, rows, running_reputation
from revgen_common.contracts.reputation import PollReviews
from revgen_common.envelope import Envelope
from revgen_common.topics import REPUTATION_EVENTS
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually

LOCATION = "accounts/5/locations/6"


async def test_a_revoked_grant_marks_the_connection_is_announced_once_and_calls_google_no_more(
        infra, all_topics, reputation_engine, google, clock):
    client = new_client()
    google.state.add_review(LOCATION, "r1", 5, "Great", "Ann", CREATED)
    # A pace that lets every poll through at once: the loss itself must stop them, not the pace.
    async with running_reputation(infra, reputation_engine, clock, google=google, draft_replies=False,
                                  google_per_client_per_second=100, google_per_second=100) as reputation:
        await connect_google(reputation, client, LOCATION)
        google.state.revoke_all()  # the owner removed RevGen's access at Google
        clock.advance(hours=2)  # the access token has expired: the next poll must refresh it
        google.state.requests.clear()
        # Three polls queued together (one batch: prepared one after another, before any is applied).
        queued = [Envelope.of(PollReviews(client_id=client, source="google"), "reputation") for _ in range(3)]
        await publish(infra.bootstrap_servers, REPUTATION_EVENTS.name, queued)
        await eventually(lambda: _all_recorded(reputation_engine, queued), timeout=60)
        for _ in range(3):  # the timer's rounds: a lost connection is never due
            clock.advance(hours=1)
            assert await reputation.polling.schedule() == 0

        [connection] = (await reputation.api.get(f"/clients/{client}/connections")).json()["data"]
    assert connection["status"] == "needs_reauthorisation" and "revoked" in connection["lost_reason"]
    assert google.state.requests.count("POST", "/token") == 1  # one refresh tried, not one per poll
    assert google.state.requests.count("GET", "/v4/") == 0
    [lost] = await published(reputation_engine, "ReviewSourceDisconnected")
    assert (lost["client_id"], lost["source"]) == (client, "google")


async def _all_recorded(engine, envelopes) -> bool:
    found = await rows(engine, "SELECT event_id FROM inbox WHERE event_id = ANY(:ids)",
                       ids=[e.event_id for e in envelopes])
    return len(found) == len(envelopes)


async def test_a_token_about_to_expire_is_refreshed_before_the_poll_through_google_auth(
        infra, all_topics, reputation_engine, google, clock):
    client = new_client()
    google.state.add_review(LOCATION, "r1", 4, "Fine", "Bo", CREATED)
    async with running_reputation(infra, reputation_engine, clock, google=google, draft_replies=False) as reputation:
        await connect_google(reputation, client, LOCATION)
        [before] = await rows(reputation_engine, "SELECT access_token, expires_at FROM connections")
        clock.advance(seconds=3599 - 120)  # two minutes left: inside the refresh margin
        await reputation.polling.schedule()
        await eventually(lambda: published(reputation_engine, "ReviewReceived"), timeout=60)
    [after] = await rows(reputation_engine, "SELECT access_token, expires_at FROM connections")
    assert google.state.requests.count("POST", "/token") == 2  # the consent's exchange, then one refresh
    assert after["access_token"] != before["access_token"]
    assert after["expires_at"] == clock() + timedelta(seconds=3599)
