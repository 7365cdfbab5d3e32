"""The Pacer against a fake clock: token buckets per number and per account, and the
account-wide hold with a single probe after Twilio answers 429."""
import heapq
import itertools

import pytest

from messaging.domain.pacing import PROBE_LEASE, PROBE_PENDING_WAIT, Pacer
from revgen_common.testing.clock import FakeMonotonic

A, B, C = "+15550000001", "+15550000002", "+15550000003"


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


def test_a_number_sends_at_once_then_waits_for_its_rate(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)

    assert pacer.reserve(A) == 0.0
    assert pacer.reserve(A) == pytest.approx(1.0)
    clock.advance(1.0)
    assert pacer.reserve(A) == 0.0


def test_a_numbers_burst_is_one_seconds_worth(clock):
    pacer = Pacer(per_number_per_second=3, per_account_per_second=100, clock=clock)

    assert [pacer.reserve(A) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve(A) == pytest.approx(1 / 3)


def test_a_refused_reservation_takes_nothing(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)
    pacer.reserve(A)
    clock.advance(0.5)

    # Asking again and again while waiting must not push the next slot further away.
    assert [pacer.reserve(A) for _ in range(3)] == [pytest.approx(0.5)] * 3
    clock.advance(0.5)
    assert pacer.reserve(A) == 0.0


def test_one_number_waiting_does_not_hold_up_another(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)
    pacer.reserve(A)

    assert pacer.reserve(A) > 0
    assert pacer.reserve(B) == 0.0


def test_the_account_rate_caps_every_number_together(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=2, clock=clock)

    assert pacer.reserve(A) == 0.0
    assert pacer.reserve(B) == 0.0
    assert pacer.reserve(C) == pytest.approx(0.5)


def test_a_429_holds_every_number_until_retry_after_has_passed(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=100, clock=clock)
    pacer.reserve(A)
    pacer.throttled(2.0)

    assert pacer.reserve(A) == pytest.approx(2.0)
    clock.advance(1.5)
    assert pacer.reserve(B) == pytest.approx(0.5)


def test_after_the_hold_exactly_one_probe_goes_and_the_rest_ask_again_shortly(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=100, clock=clock)
    pacer.throttled(2.0)
    clock.advance(2.0)

    assert pacer.reserve(A) == 0.0
    assert pacer.reserve(B) == PROBE_PENDING_WAIT
    assert pacer.reserve(A) == PROBE_PENDING_WAIT


def test_a_probe_answered_with_429_holds_the_account_again(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=100, clock=clock)
    pacer.throttled(2.0)
    clock.advance(2.0)
    pacer.reserve(A)
    clock.advance(0.2)
    pacer.throttled(2.0)

    assert pacer.reserve(B) == pytest.approx(2.0)
    clock.advance(2.0)
    assert pacer.reserve(B) == 0.0  # the next probe
    assert pacer.reserve(C) == PROBE_PENDING_WAIT


def test_a_probe_that_succeeds_resumes_normal_pacing_for_everyone(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=100, clock=clock)
    pacer.throttled(2.0)
    clock.advance(2.0)
    pacer.reserve(A)
    pacer.succeeded()

    assert [pacer.reserve(n) for n in (A, B, C)] == [0.0, 0.0, 0.0]


def test_a_probe_that_never_reports_frees_its_slot_after_its_lease(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=100, clock=clock)
    pacer.throttled(2.0)
    clock.advance(2.0)
    pacer.reserve(A)  # then times out, or its task is cancelled: neither succeeded nor throttled

    clock.advance(PROBE_LEASE - 0.1)
    assert pacer.reserve(B) == PROBE_PENDING_WAIT
    clock.advance(0.1)
    assert pacer.reserve(B) == 0.0


def test_a_late_429_from_an_earlier_request_never_shortens_the_hold(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=100, clock=clock)
    pacer.throttled(5.0)
    pacer.throttled(1.0)

    assert pacer.reserve(A) == pytest.approx(5.0)


def test_rates_must_be_positive(clock):
    with pytest.raises(ValueError):
        Pacer(per_number_per_second=0, per_account_per_second=1, clock=clock)


def simulate_throttled_twilio(pacer: Pacer, clock: FakeMonotonic, senders: list[str], seconds: float,
                              latency: float, retry_after: float) -> list[float]:
    """One partition per entry of `senders`, each sending from that number and trying again
    when the Pacer (or a 429's Retry-After) says. Twilio answers every request with 429
    after `latency`. Returns when requests reached Twilio, in seconds from the start."""
    start, order = clock.now, itertools.count()
    events = [(start, next(order), "try", sender) for sender in senders]
    sent: list[float] = []
    while events:
        at, _, kind, sender = heapq.heappop(events)
        if at - start > seconds:
            break
        clock.now = at
        if kind == "answer":
            pacer.throttled(retry_after)
            heapq.heappush(events, (at + retry_after, next(order), "try", sender))
            continue
        wait = pacer.reserve(sender)
        if wait == 0.0:
            sent.append(at - start)
            heapq.heappush(events, (at + latency, next(order), "answer", sender))
        else:
            heapq.heappush(events, (at + wait, next(order), "try", sender))
    return sent


def test_while_twilio_answers_429_with_retry_after_2_at_most_6_requests_reach_it_in_10_seconds(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=10, clock=clock)

    # 50 partitions, all with a lead for the same client number, start together.
    sent = simulate_throttled_twilio(pacer, clock, [A] * 50, seconds=10, latency=0.3, retry_after=2)

    assert 4 <= len(sent) <= 6  # probing never stops, and never speeds up
    assert all(later - earlier >= 2 for earlier, later in itertools.pairwise(sent))


def test_once_twilio_has_said_429_one_request_per_retry_after_reaches_it_from_all_numbers_together(clock):
    pacer = Pacer(per_number_per_second=10, per_account_per_second=50, clock=clock)
    pacer.throttled(2.0)  # the first 429 just came back

    # Slow answers and generous buckets: only the single probe stops a stampede at each expiry.
    senders = [f"+1555{n:07d}" for n in range(50)]
    sent = simulate_throttled_twilio(pacer, clock, senders, seconds=10, latency=1.0, retry_after=2)

    assert sent == pytest.approx([2.0, 5.0, 8.0])


def test_looking_at_the_wait_takes_nothing(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)
    assert [pacer.wait(A) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve(A) == 0.0  # the slot the looks saw is still there
    assert pacer.wait(A) == pytest.approx(1.0)
    pacer.throttled(retry_after=5)
    assert pacer.wait(B) == pytest.approx(5.0)  # a hold shows for every number
