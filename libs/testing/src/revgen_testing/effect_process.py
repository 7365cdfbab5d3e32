"""A consumer process for crash tests: `python -m revgen_testing.effect_process ...`.

`--crash-at POINT:K` SIGKILLs the process on the K-th time it reaches that checkpoint of
the commit protocol. `--naive` swaps the runtime for the textbook mistake (auto-commit,
no inbox) so the crash test can show it would catch a broken runtime. Redeliveries the
inbox absorbed are appended to `--report` after every committed batch; an O_APPEND write
reaches the kernel at once, so a SIGKILL cannot lose it.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal

from aiokafka import AIOKafkaConsumer
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_common import ConsumerOptions, Envelope, ExactlyOnceConsumer, OutboxRelay
from revgen_common.kafka_config import consumer_config
from revgen_common.metrics import EVENTS_CONSUMED
from revgen_common.process_slot import ProcessSlot
from revgen_testing.effects import effects, make_handlers

# What the naive runtime needs to fail over fast; the real one takes its partitions back as
# a static member (its process slot), whatever the session timeout.
FAST_FAILOVER = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}


def crash_hook(spec: str | None, report_path: str, consumer: str, topic: str):
    point, _, count = (spec or "").partition(":")
    remaining = int(count or 0)
    report = os.open(report_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def checkpoint(name: str) -> None:
        nonlocal remaining
        if name == "after_db_commit":
            absorbed = EVENTS_CONSUMED.labels(consumer, topic, "duplicate")._value.get()
            os.write(report, f"{os.getpid()} {int(absorbed)}\n".encode())
        if name == point:
            remaining -= 1
            if remaining <= 0:
                os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


async def run_runtime(args) -> None:
    engine = create_async_engine(args.db, pool_size=4)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    checkpoint = crash_hook(args.crash_at, args.report, args.group, args.topic)
    slot = await ProcessSlot.claim(engine)  # as every service does at start-up
    print(f"{os.getpid()} holds slot {slot.number}", flush=True)  # started: the takeover test times from here
    components = [ExactlyOnceConsumer(
        name=args.group, topics=[args.topic], handlers=make_handlers(args.group, forward_to=args.forward_to),
        engine=engine, bootstrap_servers=args.bootstrap, checkpoint=checkpoint,
        options=ConsumerOptions(max_batch=args.max_batch), group_instance_id=slot.instance_id(args.group),
    )]
    if args.forward_to:
        components.append(OutboxRelay(name=args.group, engine=engine, bootstrap_servers=args.bootstrap,
                                      batch_size=args.max_batch, checkpoint=checkpoint))
    await asyncio.gather(*(c.run(stop) for c in components))
    await engine.dispose()


async def run_naive(args) -> None:
    """Auto-commit on, no inbox: what the runtime exists to prevent."""
    engine = create_async_engine(args.db, pool_size=2)
    consumer = AIOKafkaConsumer(args.topic, **consumer_config(
        args.bootstrap, args.group, enable_auto_commit=True, auto_commit_interval_ms=50,
        group_instance_id=f"{args.group}-0", **FAST_FAILOVER))
    await consumer.start()
    checkpoint = crash_hook(args.crash_at, args.report, args.group, args.topic)
    while True:
        batches = await consumer.getmany(timeout_ms=100, max_records=args.max_batch)
        for records in batches.values():
            for record in records:
                event = Envelope.from_bytes(record.value)
                async with engine.begin() as connection:
                    await connection.execute(insert(effects).values(
                        event_id=event.event_id, key=event.key, seq=event.payload["seq"], consumer=args.group))
                checkpoint("after_db_commit")
                await asyncio.sleep(0)  # let the auto-commit task run between messages


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--db", "--bootstrap", "--topic", "--group", "--report"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--crash-at")
    parser.add_argument("--forward-to")
    parser.add_argument("--max-batch", type=int, default=50)
    parser.add_argument("--naive", action="store_true")
    args = parser.parse_args()
    asyncio.run(run_naive(args) if args.naive else run_runtime(args))


if __name__ == "__main__":
    main()
