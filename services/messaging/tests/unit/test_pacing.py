"""The Pacer against a fake clock: turns per number (booked by the sends that must wait),
a token bucket for the account, and the account-wide hold with a single probe after
Twilio answers 429."""
import heapq
import itertools
import statistics

import pytest

from messaging.domain.pacing import MISSED_TURN, PROBE_LEASE, PROBE_PENDING_WAIT, Pacer
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


def test_sends_that_must_wait_get_turns_one_interval_apart_in_the_order_they_asked(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)

    assert [pacer.reserve(A, f"send-{i}") for i in range(8)] == [pytest.approx(float(i)) for i in range(8)]


def test_asking_again_for_a_booked_turn_answers_the_same_time_and_books_nothing_more(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)
    pacer.reserve(A, "first")
    assert pacer.reserve(A, "second") == pytest.approx(1.0)
    clock.advance(0.3)

    assert [pacer.reserve(A, "second") for _ in range(3)] == [pytest.approx(0.7)] * 3
    assert pacer.reserve(A, "third") == pytest.approx(1.7)  # after second, not pushed by its asking


def test_a_booked_turn_is_its_senders_even_when_someone_else_asks_first_at_that_time(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)
    pacer.reserve(A, "first")
    pacer.reserve(A, "second")
    clock.advance(1.0)

    assert pacer.reserve(A, "newcomer") == pytest.approx(1.0)
    assert pacer.reserve(A, "second") == 0.0


def test_looking_books_a_turn_only_for_a_send_that_must_wait(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)

    assert [pacer.wait(A, "first") for _ in range(2)] == [0.0, 0.0]  # free now: nothing booked
    assert pacer.reserve(A, "first") == 0.0
    assert pacer.wait(A, "second") == pytest.approx(1.0)  # must wait: booked
    assert pacer.reserve(A, "third") == pytest.approx(2.0)
    clock.advance(1.0)
    assert pacer.wait(A, "second") == 0.0 and pacer.reserve(A, "second") == 0.0


def test_a_missed_turn_is_given_up_so_senders_that_come_back_late_do_not_go_out_together(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=100, clock=clock)
    assert [pacer.reserve(A, t) for t in ("a", "b", "c")] == [0.0, pytest.approx(1.0), pytest.approx(2.0)]
    clock.advance(2.0 + MISSED_TURN + 0.01)  # b and c were held up elsewhere past their turns

    assert pacer.reserve(A, "b") == 0.0
    assert pacer.reserve(A, "c") == pytest.approx(1.0)


def simulate_exact_retries(pacer: Pacer, clock: FakeMonotonic, sends: list[tuple],
                           lateness: float = 0.0) -> dict[str, float]:
    """Each (ticket, number[, seconds from now]) asks at once or at that time, then again
    `lateness` after each wait it is told, as the consumer's timers do. Returns when each was
    allowed to send, in seconds from the start."""
    start, order = clock.now, itertools.count()
    events = [(start + (send[2] if len(send) > 2 else 0.0), next(order), send[0], send[1]) for send in sends]
    heapq.heapify(events)
    sent: dict[str, float] = {}
    while events:
        at, _, ticket, number = heapq.heappop(events)
        clock.now = at
        wait = pacer.reserve(number, ticket)
        if wait == 0.0:
            sent[ticket] = at - start
        else:
            heapq.heappush(events, (at + wait + lateness, next(order), ticket, number))
    return sent


def test_eight_leads_on_one_number_are_answered_one_second_apart_in_7_seconds(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=30, clock=clock)

    sent = simulate_exact_retries(pacer, clock, [(f"send-{i}", A) for i in range(8)])

    assert sorted(sent.values()) == [pytest.approx(float(i)) for i in range(8)]


def test_senders_that_come_back_a_little_late_keep_their_turns_so_lateness_never_adds_up(clock):
    pacer = Pacer(per_number_per_second=1, per_account_per_second=30, clock=clock)

    sent = simulate_exact_retries(pacer, clock, [(f"send-{i}", A) for i in range(8)], lateness=0.05)

    assert sorted(sent.values()) == [0.0] + [pytest.approx(i + 0.05) for i in range(1, 8)]


def test_a_number_fed_at_exactly_its_rate_catches_up_after_a_send_that_was_held_up(clock):
    """The schedule is anchored: a turn taken late (within half an interval) does not push
    back the ones after it. Were a late send to restart the schedule, every later message of
    a number fed at exactly its rate would wait as long as the worst hold-up so far."""
    pacer = Pacer(per_number_per_second=1, per_account_per_second=30, clock=clock)
    # One message a second; each reaches the sender 20 ms later, every tenth 400 ms later.
    arrivals = [(f"send-{k}", A, k + (0.4 if k % 10 == 5 else 0.02)) for k in range(100)]

    sent = simulate_exact_retries(pacer, clock, arrivals, lateness=0.01)

    waited = [sent[ticket] - arrived for ticket, _, arrived in arrivals]
    assert max(waited) < 0.05, max(waited)
    gaps = [later - earlier for earlier, later in itertools.pairwise(sorted(sent.values()))]
    assert statistics.median(gaps) == pytest.approx(1.0, abs=0.01)


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
