"""The answer deadline of an inbound SMS: how long each try of the assistant may take, and
whether, after a failed try, another one still fits."""
from datetime import UTC, datetime, timedelta

import pytest

from messaging.domain.answer_deadline import PAUSE_AFTER_FAILURE, SHORTEST_TRY, AnswerDeadline

RECEIVED = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


def test_the_deadline_counts_from_the_webhooks_receipt():
    deadline = AnswerDeadline(seconds=8, try_timeout=3, send_reserve=0)

    assert deadline.left(RECEIVED, RECEIVED + timedelta(seconds=2.5)) == pytest.approx(5.5)
    assert deadline.left(RECEIVED, RECEIVED + timedelta(seconds=9)) == pytest.approx(-1)


def test_the_send_reserve_comes_off_the_assistants_time_so_the_holding_reply_is_sent_by_the_deadline():
    deadline = AnswerDeadline(seconds=8, try_timeout=3, send_reserve=0.5)

    assert deadline.left(RECEIVED, RECEIVED + timedelta(seconds=2.5)) == pytest.approx(5.0)
    assert deadline.timeout(deadline.left(RECEIVED, RECEIVED + timedelta(seconds=7.1))) is None  # 0.4 s left


def test_a_try_takes_its_timeout_or_what_is_left_and_none_fits_in_less_than_the_shortest_try():
    deadline = AnswerDeadline(seconds=8, try_timeout=3)

    assert deadline.timeout(8) == 3
    assert deadline.timeout(1.2) == pytest.approx(1.2)
    assert deadline.timeout(SHORTEST_TRY - 0.01) is None
    assert deadline.timeout(-1) is None


def test_a_short_retry_after_that_fits_is_honoured_as_it_is():
    deadline = AnswerDeadline(seconds=8, try_timeout=3)

    assert deadline.pause(left=6.0, retry_after=1.0, timed_out=False) == 1.0


def test_a_retry_after_that_would_leave_no_time_for_a_try_means_the_holding_reply_now():
    deadline = AnswerDeadline(seconds=8, try_timeout=3)

    assert deadline.pause(left=1.2, retry_after=1.0, timed_out=False) is None
    assert deadline.pause(left=6.0, retry_after=30.0, timed_out=False) is None


def test_a_try_that_timed_out_is_followed_at_once_and_a_fast_failure_after_a_pause():
    deadline = AnswerDeadline(seconds=8, try_timeout=3)

    assert deadline.pause(left=5.0, retry_after=None, timed_out=True) == 0.0
    assert deadline.pause(left=5.0, retry_after=None, timed_out=False) == PAUSE_AFTER_FAILURE


def test_a_wait_for_capacity_ends_while_a_last_try_still_fits():
    deadline = AnswerDeadline(seconds=8, try_timeout=3)

    assert deadline.wait_for_a_try(left=6.0, wait=1.5) == 1.5
    assert deadline.wait_for_a_try(left=1.0, wait=1.5) == pytest.approx(1.0 - SHORTEST_TRY)
    assert deadline.wait_for_a_try(left=0.2, wait=1.5) == 0.0


def test_the_deadline_and_the_try_timeout_must_be_positive():
    with pytest.raises(ValueError):
        AnswerDeadline(seconds=0, try_timeout=3)
    with pytest.raises(ValueError):
        AnswerDeadline(seconds=8, try_timeout=-1)
    with pytest.raises(ValueError):
        AnswerDeadline(seconds=8, try_timeout=3, send_reserve=8)
