"""FairShare (E11): a lone client may use the whole OpenAI concurrency, but once others ask,
each is guaranteed max(1, capacity // active clients) slots, however hard one client surges."""
import pytest

from messaging.domain.fair_share import FairShare
from revgen_common.testing.clock import FakeMonotonic

WINDOW = 3.0


def fair_share(capacity: int) -> tuple[FairShare, FakeMonotonic]:
    clock = FakeMonotonic()
    return FairShare(capacity, clock, active_window=WINDOW), clock


def acquire_all(share: FairShare, client_id: str) -> int:
    granted = 0
    while share.try_acquire(client_id) == 0.0:
        granted += 1
    return granted


def test_a_lone_client_may_use_every_slot_and_no_more():
    share, _ = fair_share(4)

    assert acquire_all(share, "a") == 4
    assert share.try_acquire("a") > 0
    assert share.in_use == 4


def test_a_newcomer_gets_the_slots_a_surging_client_releases_until_each_holds_half():
    share, clock = fair_share(4)
    acquire_all(share, "surging")

    assert share.try_acquire("newcomer") > 0  # every slot is taken
    share.release("surging")
    clock.advance(0.1)
    assert share.try_acquire("surging") > 0, "the freed slot is the newcomer's, not the surging client's"
    assert share.try_acquire("newcomer") == 0.0

    share.release("surging")
    assert share.try_acquire("surging") > 0  # at its share of 2
    assert share.try_acquire("newcomer") == 0.0
    assert share.try_acquire("newcomer") > 0  # also at its share of 2
    assert (share.held_by("surging"), share.held_by("newcomer")) == (2, 2)


def test_the_share_is_capacity_divided_among_active_clients_and_never_exceeds_capacity():
    share, _ = fair_share(6)
    for client_id in ("a", "b", "c"):
        share.try_acquire(client_id)
    assert [acquire_all(share, c) for c in ("a", "b", "c")] == [1, 1, 1]  # 6 // 3 = 2 each

    crowded, _ = fair_share(2)
    for client_id in ("a", "b", "c"):
        crowded.try_acquire(client_id)
    assert crowded.in_use == 2 and crowded.share() == 1
    assert crowded.held_by("c") == 0 and crowded.try_acquire("c") > 0


def test_a_client_that_stops_asking_leaves_its_share_to_the_others_after_the_window():
    share, clock = fair_share(4)
    acquire_all(share, "a")
    assert share.try_acquire("b") > 0
    share.release("a")

    clock.advance(WINDOW / 2)
    assert share.try_acquire("a") > 0  # b asked recently, so its share is kept for it
    clock.advance(WINDOW)
    assert share.try_acquire("a") == 0.0  # b went quiet and holds nothing: a is alone again


def test_a_client_holding_slots_stays_active_however_long_ago_it_asked():
    share, clock = fair_share(4)
    share.try_acquire("b")
    acquire_all(share, "a")
    clock.advance(WINDOW * 10)

    assert share.try_acquire("a") > 0
    assert share.held_by("a") == 2


def test_releasing_a_slot_not_held_raises_and_changes_nothing():
    share, _ = fair_share(4)
    share.try_acquire("a")
    share.release("a")

    with pytest.raises(RuntimeError, match="holds no fair-share slot"):
        share.release("a")
    with pytest.raises(RuntimeError):
        share.release("never-asked")
    assert share.in_use == 0
    assert acquire_all(share, "a") == 4


def test_the_suggested_wait_follows_how_long_slots_are_held_and_keeps_a_waiter_active():
    def wait_after_holds_of(seconds: float) -> float:
        share, clock = fair_share(4)
        for _ in range(30):
            share.try_acquire("a")
            clock.advance(seconds)
            share.release("a")
        acquire_all(share, "a")
        return share.try_acquire("b")

    fast, slow, very_slow = wait_after_holds_of(0.2), wait_after_holds_of(2.0), wait_after_holds_of(60.0)
    assert 0 < fast < slow
    assert very_slow <= WINDOW / 2  # asking again that soon keeps it counted as active
