"""kill -9 at every point of the commit protocols, against the real broker and database.

Each test kills a process many times at a named checkpoint, restarts it, lets a last
run finish, then compares the effects with what was published: 0 lost, 0 doubled.
"""
import random
import time
import uuid
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from revgen_common.db import inbox
from revgen_testing.effects import applied, create_effects_table, effect_requests
from revgen_testing.kafka_io import group_caught_up, publish, read_all
from revgen_testing.processes import start_module, stop, wait_or_stop, was_killed
from revgen_testing.running import eventually

pytestmark = pytest.mark.slow

CONSUMER_CRASH_POINTS = ("before_db_commit", "mid_batch", "after_db_commit", "after_offset_commit")
EVENTS, KEYS = 3000, 40


async def crash_and_recover(infra, engine, topic, tmp_path, *, points, rounds, extra=(), naive=False, done):
    """Run the effect process with a SIGKILL scheduled at each point in turn, then once
    more without one until `done(group)`; returns the number of kills that happened."""
    group = f"crash-{uuid.uuid4().hex[:6]}"
    common = ["--db", engine.url.render_as_string(hide_password=False), "--bootstrap", infra.bootstrap_servers,
              "--topic", topic, "--group", group, "--report", str(tmp_path / "absorbed.txt"), *extra]
    if naive:
        common.append("--naive")
    kills = 0
    for _ in range(rounds):
        for point in points:
            process = await start_module("revgen_testing.effect_process", *common,
                                         "--crash-at", f"{point}:{random.randint(1, 6)}", log=tmp_path / "log")
            kills += was_killed(await wait_or_stop(process, timeout=60))
            if await done(group):
                return kills
    process = await start_module("revgen_testing.effect_process", *common, log=tmp_path / "log")
    try:
        await eventually(lambda: done(group), timeout=180, interval=0.5)
    finally:
        await stop(process)
    return kills


def absorbed_redeliveries(tmp_path) -> int:
    """Sum over processes of the last count each reported (counts are per process)."""
    last: dict[str, int] = {}
    path = tmp_path / "absorbed.txt"
    for line in path.read_text().splitlines() if path.exists() else []:
        pid, count = line.split()
        last[pid] = int(count)
    return sum(last.values())


def assert_exactly_once_in_order(rows, published):
    ids = [row[0] for row in rows]
    lost = {e.event_id for e in published} - set(ids)
    doubled = len(ids) - len(set(ids))
    assert (len(lost), doubled) == (0, 0), f"{len(lost)} lost, {doubled} duplicated"
    seqs = defaultdict(list)
    for _, key, seq in rows:
        seqs[key].append(seq)
    out_of_order = [k for k, s in seqs.items() if s != sorted(s)]
    assert not out_of_order, f"order broken for keys {out_of_order[:5]}"


async def inbox_count(engine):
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(inbox))


async def test_consumer_killed_at_every_crash_point_applies_each_event_exactly_once_in_order(
        infra, engine, make_topic, tmp_path):
    await create_effects_table(engine)
    topic = await make_topic()
    events = effect_requests(EVENTS, keys=KEYS)
    await publish(infra.bootstrap_servers, topic, events)

    async def done(group):
        return await inbox_count(engine) >= EVENTS

    kills = await crash_and_recover(infra, engine, topic, tmp_path, points=CONSUMER_CRASH_POINTS,
                                    rounds=3, done=done)

    rows = await applied(engine)
    absorbed = absorbed_redeliveries(tmp_path)
    print(f"\n{kills} kills, {absorbed} redeliveries absorbed by the inbox, {len(rows)} effects")
    assert kills >= len(CONSUMER_CRASH_POINTS) * 2
    assert absorbed > 0, "no redelivery happened: the after-commit crash window was never hit"
    assert_exactly_once_in_order(rows, events)


async def test_relay_killed_between_publish_and_mark_republishes_with_the_same_id_and_nothing_doubles(
        infra, engine, make_topic, tmp_path):
    await create_effects_table(engine)
    source, sink = await make_topic(), await make_topic()
    events = effect_requests(1000, keys=20)
    await publish(infra.bootstrap_servers, source, events)

    async def relayed_everything(group):
        return len(await read_all(infra.bootstrap_servers, sink, idle_seconds=0.2)) >= len(events) \
            and await inbox_count(engine) >= len(events)

    kills = await crash_and_recover(infra, engine, source, tmp_path, points=("after_publish",), rounds=5,
                                    extra=("--forward-to", sink, "--max-batch", "20"), done=relayed_everything)

    records = await read_all(infra.bootstrap_servers, sink)
    ids = [record.value for record in records]
    republished = len(ids) - len(set(ids))
    print(f"\n{kills} relay kills, {republished} records republished on the sink")
    assert kills >= 3 and republished > 0  # the window was hit: the sink holds repeats
    # ...and a downstream consumer with an inbox turns them into exactly one effect each
    downstream = await _drain_with_runtime(infra, sink, tmp_path, engine)
    assert len(downstream) == len(events) and len({row[0] for row in downstream}) == len(events)


async def _drain_with_runtime(infra, topic, tmp_path, source_engine):
    from sqlalchemy.ext.asyncio import create_async_engine

    from revgen_common.db import runtime_metadata
    from revgen_devstack.testing import create_database

    url = await create_database(infra)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    await create_effects_table(engine)
    group = f"downstream-{uuid.uuid4().hex[:6]}"
    process = await start_module(
        "revgen_testing.effect_process", "--db", url, "--bootstrap", infra.bootstrap_servers, "--topic", topic,
        "--group", group, "--report", str(tmp_path / "downstream.txt"), log=tmp_path / "downstream.log")
    try:
        expected = len({r.value for r in await read_all(infra.bootstrap_servers, topic)})
        await eventually(lambda: _at_least(engine, expected), timeout=120, interval=0.5)
    finally:
        await stop(process)
    rows = await applied(engine)
    await engine.dispose()
    return rows


async def _started(log, pid: int) -> bool:
    return f"{pid} holds slot " in log.read_text()


async def _at_least(engine, expected):
    return await inbox_count(engine) >= expected


async def test_negative_control_auto_commit_without_inbox_loses_or_doubles_under_the_same_crashes(
        infra, engine, make_topic, tmp_path):
    await create_effects_table(engine)
    topic = await make_topic()
    events = effect_requests(1500, keys=KEYS)
    await publish(infra.bootstrap_servers, topic, events)

    async def caught_up(group):
        return await group_caught_up(infra.bootstrap_servers, group, topic)

    await crash_and_recover(infra, engine, topic, tmp_path, points=("after_db_commit",), rounds=6,
                            naive=True, done=caught_up)

    rows = await applied(engine)
    doubled = len(rows) - len({row[0] for row in rows})
    lost = len({e.event_id for e in events} - {row[0] for row in rows})
    print(f"\nnaive consumer: {lost} lost, {doubled} duplicated effects")
    with pytest.raises(AssertionError):
        assert_exactly_once_in_order(rows, events)


async def test_kafka_stage_killed_and_restarted_delivers_each_input_exactly_once_to_read_committed_readers(
        infra, make_topic, tmp_path):
    source, sink = await make_topic(), await make_topic()
    inputs = effect_requests(2000, keys=KEYS)
    await publish(infra.bootstrap_servers, source, inputs)
    group = f"stage-{uuid.uuid4().hex[:6]}"
    common = ["--bootstrap", infra.bootstrap_servers, "--input", source, "--output", sink, "--group", group]
    kills = 0
    for _ in range(3):
        for point in ("before_transaction_commit", "after_transaction_commit"):
            process = await start_module("revgen_testing.stage_process", *common,
                                         "--crash-at", f"{point}:{random.randint(1, 6)}", log=tmp_path / "log")
            kills += was_killed(await wait_or_stop(process, timeout=60))
    process = await start_module("revgen_testing.stage_process", *common, log=tmp_path / "log")
    try:
        await eventually(lambda: group_caught_up(infra.bootstrap_servers, group, source), timeout=180, interval=0.5)
    finally:
        await stop(process)

    committed = await read_all(infra.bootstrap_servers, sink, isolation_level="read_committed")
    everything = await read_all(infra.bootstrap_servers, sink, isolation_level="read_uncommitted")
    values = [record.value for record in committed]
    print(f"\n{kills} stage kills; {len(everything) - len(committed)} aborted records hidden from read_committed")
    assert kills >= 4
    assert sorted(values) == sorted(e.to_bytes() for e in inputs)  # each input exactly once
    assert len(everything) > len(committed)  # the crashes did leave aborted writes behind


async def test_sigterm_drains_and_commits_so_a_restart_redelivers_nothing(infra, engine, make_topic, tmp_path):
    await create_effects_table(engine)
    topic = await make_topic()
    events = effect_requests(EVENTS, keys=KEYS)
    await publish(infra.bootstrap_servers, topic, events)
    group = f"drain-{uuid.uuid4().hex[:6]}"
    common = ["--db", engine.url.render_as_string(hide_password=False), "--bootstrap", infra.bootstrap_servers,
              "--topic", topic, "--group", group, "--report", str(tmp_path / "absorbed.txt"), "--max-batch", "20"]

    first = await start_module("revgen_testing.effect_process", *common, log=tmp_path / "log")
    await eventually(lambda: _at_least(engine, 200), timeout=60, interval=0.05)
    assert await stop(first) == 0  # a clean exit, mid-stream
    stopped_at = await inbox_count(engine)
    second = await start_module("revgen_testing.effect_process", *common, log=tmp_path / "log")
    try:
        await eventually(lambda: _at_least(engine, EVENTS), timeout=120, interval=0.5)
    finally:
        await stop(second)

    assert stopped_at < EVENTS  # the stop really happened mid-stream
    assert absorbed_redeliveries(tmp_path) == 0
    assert_exactly_once_in_order(await applied(engine), events)


async def test_a_consumer_killed_and_restarted_takes_its_partitions_back_at_once_not_after_the_dead_ones_session(
        infra, engine, make_topic, tmp_path):
    """Static membership: the restarted process holds the dead one's slot, hence its instance
    ids, and the broker hands it the partitions at once. As a new member it would wait for
    the dead member's 30 s session to expire first."""
    await create_effects_table(engine)
    topic = await make_topic()
    events = effect_requests(1000, keys=KEYS)
    await publish(infra.bootstrap_servers, topic, events)
    group = f"takeover-{uuid.uuid4().hex[:6]}"
    common = ["--db", engine.url.render_as_string(hide_password=False), "--bootstrap", infra.bootstrap_servers,
              "--topic", topic, "--group", group, "--report", str(tmp_path / "absorbed.txt"), "--max-batch", "20"]

    first = await start_module("revgen_testing.effect_process", *common, "--crash-at", "after_offset_commit:5",
                               log=tmp_path / "log")
    assert was_killed(await wait_or_stop(first, timeout=60))
    killed_at = await inbox_count(engine)
    restarted = time.monotonic()
    second = await start_module("revgen_testing.effect_process", *common, log=tmp_path / "log")
    try:
        # Timed from when the new process holds its slot: its imports alone take seconds on
        # a busy box, and are not what static membership saves.
        await eventually(lambda: _started(tmp_path / "log", second.pid), timeout=60, interval=0.05)
        started = time.monotonic()
        await eventually(lambda: _at_least(engine, killed_at + 1), timeout=60, interval=0.05)
        consuming_after, start_up = time.monotonic() - started, started - restarted
        await eventually(lambda: _at_least(engine, len(events)), timeout=120, interval=0.5)
    finally:
        await stop(second)

    print(f"\nconsuming again {consuming_after:.1f}s after the restarted process started ({start_up:.1f}s start-up)")
    assert consuming_after < 15, consuming_after  # the dead member's session alone is 30 s
    assert_exactly_once_in_order(await applied(engine), events)
