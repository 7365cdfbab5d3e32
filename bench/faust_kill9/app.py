"""faust-streaming worker under test: count events per (client_id, day) in a tumbling window.

Started by run.py as ``<faust venv>/bin/python -m bench.faust_kill9.app worker -l info``; all
settings come from the environment so one module serves both guarantees:

    FK_APP_ID        app id = consumer group id = transactional-id prefix
    FK_BOOTSTRAP     host:port of the broker
    FK_GUARANTEE     "exactly_once" or "at_least_once"
    FK_SOURCE        input topic (JSON events, key = client_id)
    FK_SINK          output topic: one JSON record per processed event with the updated count
                     (empty: no sink, the changelog is the only output)
    FK_PARTITIONS    partitions of source, sink and the changelog (must all match)
    FK_DATADIR       faust's data directory (memory store, so it only holds the lock file)
    FK_COMMIT_INTERVAL  faust broker_commit_interval in seconds (default 2.8)
    FK_DELAY_MS      simulated work per event, so a random SIGKILL lands mid-stream
    FK_DELAY_WHERE   "after" (default: the sleep follows the table update and sink send, like
                     any await on I/O after an update) or "before" (sleep first, then update with
                     no await until the next event)
    FK_SELF_KILL_AT  optional "N:where": SIGKILL ourselves at the Nth event of this process,
                     where = after_table (table updated, sink not sent) | after_sink

Memory table store, web server off, agent concurrency 1, no standby replicas.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import timedelta

import faust

ENV = os.environ
GUARANTEE = ENV.get("FK_GUARANTEE", "exactly_once")
PARTITIONS = int(ENV.get("FK_PARTITIONS", "4"))
DELAY = float(ENV.get("FK_DELAY_MS", "0")) / 1000.0
DELAY_BEFORE = ENV.get("FK_DELAY_WHERE", "after") == "before"
SELF_KILL_AT, SELF_KILL_WHERE = None, None
if ENV.get("FK_SELF_KILL_AT"):
    n, SELF_KILL_WHERE = ENV["FK_SELF_KILL_AT"].split(":")
    SELF_KILL_AT = int(n)

app = faust.App(
    ENV.get("FK_APP_ID", "faust-kill9"),
    broker=f"kafka://{ENV.get('FK_BOOTSTRAP', '127.0.0.1:9092')}",
    store="memory://",
    processing_guarantee=GUARANTEE,
    web_enabled=False,
    datadir=ENV.get("FK_DATADIR", "/tmp/faust-kill9-data"),
    topic_partitions=PARTITIONS,
    topic_replication_factor=1,
    table_standby_replicas=0,
    consumer_auto_offset_reset="earliest",
    # A SIGKILLed member is only dropped from the group when its session expires; faust's
    # default of 60 s would make every restart wait a minute. 6 s is the broker minimum.
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    broker_rebalance_timeout=20.0,
    # faust default 2.8 s; each commit ends one transaction per partition under exactly_once
    broker_commit_interval=float(ENV.get("FK_COMMIT_INTERVAL", "2.8")),
)


class Event(faust.Record, serializer="json"):
    event_id: str
    client_id: str
    ts: float  # epoch seconds; the window is chosen from this field


source = app.topic(ENV.get("FK_SOURCE", "fk-events"), key_type=str, value_type=Event,
                   key_serializer="raw", partitions=PARTITIONS)
sink = app.topic(ENV["FK_SINK"], key_type=str, key_serializer="raw", value_serializer="json",
                 partitions=PARTITIONS) if ENV.get("FK_SINK") else None

# Tumbling one-day windows keyed by client_id, windowed on the event's own timestamp; expiry
# far in the future so nothing is cleaned up during the experiment.
counts = (
    app.Table("counts", default=int, partitions=PARTITIONS)
    .tumbling(timedelta(days=1), expires=timedelta(days=3650))
    .relative_to_field(Event.ts)
)

processed_here = 0
t_start = time.monotonic()


def _say(msg: str) -> None:
    print(f"FK {os.getpid()} {time.monotonic() - t_start:.3f} {msg}", flush=True)


@app.agent(source, concurrency=1)
async def count_events(stream):
    global processed_here
    async for event in stream.events():
        value: Event = event.value
        processed_here += 1
        if processed_here == 1:
            _say("first-event")
        if DELAY and DELAY_BEFORE:
            await asyncio.sleep(DELAY)
        counts[value.client_id] += 1
        window_start, _ = counts.table.window.current(value.ts)
        count = counts[value.client_id].value()  # .current() would use the message timestamp, not ts
        if SELF_KILL_AT == processed_here and SELF_KILL_WHERE == "after_table":
            _say(f"self-kill after_table at {processed_here}")
            os.kill(os.getpid(), signal.SIGKILL)
        # Same partition as the input record, meant to put the sink write in the same
        # per-partition transaction as the input offset and the changelog write (faust 0.15.3
        # sends it outside any transaction anyway, see REPORT.md).
        if sink is not None:
            await sink.send(
                key=f"{value.client_id}|{int(window_start)}",
                value={"event_id": value.event_id, "client_id": value.client_id,
                       "day": int(window_start), "count": count},
                partition=event.message.partition,
            )
        if SELF_KILL_AT == processed_here and SELF_KILL_WHERE == "after_sink":
            _say(f"self-kill after_sink at {processed_here}")
            os.kill(os.getpid(), signal.SIGKILL)
        if processed_here % 250 == 0:
            _say(f"processed {processed_here}")
        if DELAY and not DELAY_BEFORE:
            await asyncio.sleep(DELAY)


if __name__ == "__main__":
    _say(f"start faust={faust.__version__} guarantee={GUARANTEE} argv={sys.argv[1:]}")
    app.main()
