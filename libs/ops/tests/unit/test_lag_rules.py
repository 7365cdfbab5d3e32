"""The lag rules (docs/operations/lag.md), one situation each, on a fixed clock."""
from datetime import UTC, datetime, timedelta

from revgen_ops.lag_rules import Partition, Sample, Status, Window, downsample, evaluate

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WINDOW = Window(seconds=300, max_samples=10)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def judged(committed, end, samples=(), waited=0.0, start=0):
    samples = tuple(Sample(o, ago(s), lag) for o, s, lag in samples)
    last = samples[-1].at if samples else None
    return evaluate(Partition(committed, start, end, samples, last, waited), NOW, WINDOW)


def test_a_caught_up_partition_is_ok_even_with_no_commit_for_a_long_time():
    assert judged(100, 100).status is Status.OK


def test_a_backlog_nobody_committed_on_for_longer_than_the_window_is_stop():
    verdict = judged(100, 130, waited=400)
    assert verdict.status is Status.STOP and "30 waiting" in verdict.reason


def test_a_message_that_just_arrived_after_a_quiet_spell_is_not_stop_yet():
    assert judged(100, 101, waited=5).status is Status.OK


def test_a_partition_never_committed_with_old_messages_is_stop():
    verdict = judged(None, 7, waited=1000)
    assert verdict.status is Status.STOP and "never committed" in verdict.reason


def test_commits_at_the_same_offset_while_messages_wait_is_stall():
    assert judged(100, 150, [(100, 240, 40), (100, 120, 45), (100, 10, 50)]).status is Status.STALL


def test_lag_growing_at_every_commit_while_consuming_is_warn():
    verdict = judged(130, 200, [(100, 240, 20), (110, 120, 40), (130, 10, 60)])
    assert verdict.status is Status.WARN and "from 20 to 70" in verdict.reason


def test_lag_that_shrank_once_in_the_window_is_ok():
    assert judged(130, 200, [(100, 240, 20), (110, 120, 10), (130, 10, 60)]).status is Status.OK


def test_a_commit_with_no_lag_in_the_window_is_ok_even_if_lag_is_high_now():
    assert judged(130, 500, [(100, 240, 0), (130, 10, 300)]).status is Status.OK


def test_an_offset_that_went_backwards_is_rewind():
    verdict = judged(20, 200, [(150, 240, 10), (20, 120, 180)])
    assert verdict.status is Status.REWIND and "from 150 to 20" in verdict.reason


def test_a_committed_offset_before_the_log_start_lost_messages_to_retention_and_is_err():
    verdict = judged(10, 200, start=50)
    assert verdict.status is Status.ERR and "40 messages were deleted unread" in verdict.reason


def test_a_committed_offset_past_the_end_is_err():
    assert judged(300, 200).status is Status.ERR


def test_statuses_order_from_ok_to_err_so_a_group_is_its_worst_partition():
    assert max([Status.OK, Status.STOP, Status.WARN]) is Status.STOP
    assert [s.name for s in sorted(Status)] == ["OK", "WARN", "REWIND", "STALL", "STOP", "ERR"]


def test_many_commits_are_thinned_to_the_last_of_each_slice_of_the_window():
    since = ago(300)
    commits = [Sample(i, since + timedelta(seconds=i), 0) for i in range(300)]
    kept = downsample(commits, since, WINDOW)
    assert len(kept) == 10 and kept[-1].offset == 299 and [k.offset for k in kept][:2] == [29, 59]
