"""The decision cache is used only while identity.events is followed, forgets by client and by
person, never stores an answer that raced an invalidation, and never outlives a session."""
from datetime import timedelta

from gateway.adapters.identity_events import InvalidationFeed
from gateway.domain.decisions import Decision, Outcome
from gateway.service_layer.decision_cache import DecisionCache
from revgen_common.envelope import Envelope
from revgen_common.testing.clock import FakeClock


def cache_at(clock, now=None, ttl=30):
    monotonic = now or [0.0]
    cache = DecisionCache(timedelta(seconds=ttl), clock, monotonic=lambda: monotonic[0])
    cache.live = lambda: True
    return cache, monotonic


def allowed(clock, person="p1", minutes=60):
    return Decision(Outcome.ALLOWED, person, clock() + timedelta(minutes=minutes))


def test_an_answer_is_kept_until_its_ttl_and_then_asked_again():
    clock = FakeClock()
    cache, now = cache_at(clock)
    cache.put(("t", "client", "c1", "client:read"), allowed(clock), cache.generation, "c1")
    assert cache.get(("t", "client", "c1", "client:read")) is not None
    now[0] += 31
    assert cache.get(("t", "client", "c1", "client:read")) is None


def test_an_answer_is_not_used_past_the_sessions_expiry():
    clock = FakeClock()
    cache, _ = cache_at(clock)
    cache.put(("t", "session", None, None), allowed(clock, minutes=1), cache.generation, None)
    clock.advance(seconds=61)
    assert cache.get(("t", "session", None, None)) is None


def test_nothing_is_used_or_stored_while_the_feed_is_not_live():
    clock = FakeClock()
    cache, _ = cache_at(clock)
    cache.put(("t", "client", "c1", "p"), allowed(clock), cache.generation, "c1")
    cache.live = lambda: False
    assert cache.get(("t", "client", "c1", "p")) is None
    cache.put(("u", "client", "c1", "p"), allowed(clock), cache.generation, "c1")
    cache.live = lambda: True
    assert cache.get(("u", "client", "c1", "p")) is None


def test_an_answer_fetched_while_an_invalidation_arrived_is_not_stored():
    clock = FakeClock()
    cache, _ = cache_at(clock)
    before = cache.generation
    cache.forget(client_id="c1")  # the member was removed while identity was answering
    cache.put(("t", "client", "c1", "p"), allowed(clock), before, "c1")
    assert cache.get(("t", "client", "c1", "p")) is None


def test_forgetting_drops_the_clients_answers_and_the_persons_and_nothing_else():
    clock = FakeClock()
    cache, _ = cache_at(clock)
    for key, person, client in [(("a", "client", "c1", "p"), "p1", "c1"), (("b", "client", "c2", "p"), "p2", "c2"),
                                (("a", "session", None, None), "p1", None), (("c", "client", "c3", "p"), "p3", "c3")]:
        cache.put(key, allowed(clock, person), cache.generation, client)
    cache.forget(client_id="c2", person_id="p1")
    assert len(cache) == 1 and cache.get(("c", "client", "c3", "p")) is not None
    cache.forget(client_id="c2", person_id="p1")  # again: the same state
    assert len(cache) == 1


def test_the_feed_forgets_what_an_event_is_about_and_everything_for_bytes_it_cannot_read():
    clock = FakeClock()
    cache, _ = cache_at(clock)
    feed = InvalidationFeed("127.0.0.1:9", cache)
    cache.live = lambda: True  # the feed's own liveness needs a broker; not this test's subject
    cache.put(("a", "client", "c1", "p"), allowed(clock, "p1"), cache.generation, "c1")
    cache.put(("b", "client", "c2", "p"), allowed(clock, "p2"), cache.generation, "c2")
    cache.put(("c", "session", None, None), allowed(clock, "p3"), cache.generation, None)
    feed.apply(Envelope(type="MemberDeactivated", producer="identity", key="c1", client_id="c1",
                        payload={"client_id": "c1", "person_id": "p9"}).to_bytes())
    assert cache.get(("a", "client", "c1", "p")) is None and len(cache) == 2
    feed.apply(Envelope(type="SessionRevoked", producer="identity", key="p3",
                        payload={"person_id": "p3", "session_id": "s"}).to_bytes())
    assert len(cache) == 1
    feed.apply(b"\xff not an envelope")
    assert len(cache) == 0
