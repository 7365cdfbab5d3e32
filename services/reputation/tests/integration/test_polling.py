"""Polling the sources on the real broker and database: 1,000 reviews across 100 clients
(half on Google, half on Facebook) become 1,000 events within both sources' rate limits;
the same poll made twice, or delivered twice, publishes each review once; a 429's
Retry-After holds the source; and a low rating is announced once."""
import time

from reputation_testing import CREATED, connect_facebook, connect_google, new_client, published, rows, running_reputation
from revgen_common.contracts.reputation import PollReviews
from revgen_common.envelope import Envelope
from revgen_common.topics import REPUTATION_EVENTS
from revgen_testing.kafka_io import publish
from revgen_testing.running import eventually

# The fakes' limits (requests in any one second) and our pace under them: a Pacer's account
# bucket holds a second's worth, so a full bucket and its refill may meet in one window
# (2 x 15 <= 40).
GOOGLE_LIMIT, FACEBOOK_LIMIT, PER_CLIENT_LIMIT = 40, 40, 2
FAST = dict(google_per_second=15, facebook_per_second=15, google_per_client_per_second=1,
            facebook_per_client_per_second=1, draft_replies=False)


def google_reviews(google, location: str, count: int, first_stars: int = 5) -> None:
    for n in range(count):
        google.state.add_review(location, f"{location.replace('/', '-')}-r{n}", first_stars if n == 0 else 5,
                                f"Review {n}", f"Author {n}", CREATED)


async def test_a_thousand_reviews_across_a_hundred_clients_are_each_one_event_within_the_sources_limits(
        infra, all_topics, reputation_engine, google, facebook, clock):
    google.state.per_project.per_second, google.state.per_location.per_second = GOOGLE_LIMIT, PER_CLIENT_LIMIT
    facebook.state.per_page.per_second = PER_CLIENT_LIMIT
    async with running_reputation(infra, reputation_engine, clock, google=google, facebook=facebook,
                                  **FAST) as reputation:
        for n in range(50):
            location = f"accounts/{n}/locations/{n}"
            google_reviews(google, location, 10)
            assert (await connect_google(reputation, new_client(), location)).status_code == 200
            page = str(900000 + n)
            await connect_facebook(reputation, facebook, new_client(), page)
            for r in range(10):
                facebook.state.add_rating(page, "positive" if r else "negative", f"Rating {r}", f"Fan {r}",
                                          "2026-11-21T10:00:00+0000")
        google.state.requests.clear()
        started = time.monotonic()
        assert await reputation.polling.schedule() == 100
        await eventually(lambda: _count(reputation_engine, 1000), timeout=120, interval=0.2)
        took = time.monotonic() - started
    events = await published(reputation_engine, "ReviewReceived")
    print(f"\n1,000 reviews of 100 clients: {took:.1f} s; google max {google.state.requests.max_in_window(1.0, 'GET')}/s,"
          f" facebook max {facebook.state.requests.max_in_window(1.0, 'GET')}/s")
    assert len({(e["source"], e["review_id"]) for e in events}) == len(events) == 1000
    assert google.state.per_project.refused == google.state.per_location.refused == facebook.state.per_page.refused == 0
    assert google.state.requests.max_in_window(1.0, "GET", "/v4/") <= GOOGLE_LIMIT
    assert facebook.state.requests.max_in_window(1.0, "GET") <= FACEBOOK_LIMIT
    assert len(await published(reputation_engine, "LowRatingReceived")) == 50  # each page's one negative


async def _count(engine, n: int) -> bool:
    return len(await published(engine, "ReviewReceived")) >= n


async def test_the_same_poll_made_twice_and_delivered_twice_publishes_each_review_once(
        infra, all_topics, reputation_engine, google, clock):
    client, location = new_client(), "accounts/7/locations/8"
    google_reviews(google, location, 3, first_stars=1)
    async with running_reputation(infra, reputation_engine, clock, google=google, **FAST) as reputation:
        await connect_google(reputation, client, location)
        assert await reputation.polling.schedule() == 1
        await eventually(lambda: _count(reputation_engine, 3), timeout=60)
        again = Envelope.of(PollReviews(client_id=client, source="google"), "reputation")
        await publish(infra.bootstrap_servers, REPUTATION_EVENTS.name, [again, again])  # a poll, delivered twice
        await eventually(lambda: _recorded(reputation_engine, again), timeout=60)
    assert len(await published(reputation_engine, "ReviewReceived")) == 3
    assert google.state.requests.count("GET", "/v4/") == 2  # the second delivery found its inbox row
    assert [e["rating"] for e in await published(reputation_engine, "LowRatingReceived")] == [1]


async def _recorded(engine, envelope: Envelope) -> bool:
    """The command applied (its transaction committed): its inbox row is there."""
    return bool(await rows(engine, "SELECT 1 FROM inbox WHERE event_id = :id", id=envelope.event_id))


async def test_a_429_holds_the_source_for_its_retry_after(infra, all_topics, reputation_engine, google, clock):
    client, location = new_client(), "accounts/9/locations/9"
    google_reviews(google, location, 2)
    google.faults.script("429:retry_after=1", method="GET", path_prefix="/v4/")
    async with running_reputation(infra, reputation_engine, clock, google=google, **FAST) as reputation:
        await connect_google(reputation, client, location)
        await reputation.polling.schedule()
        await eventually(lambda: _count(reputation_engine, 2), timeout=60)
    first, second = google.state.requests.times("GET", "/v4/")
    assert second - first >= 1.0
    assert len(await published(reputation_engine, "ReviewReceived")) == 2
