"""Events/s through consume -> DB -> publish, exactly-once on (inbox + outbox + relay) vs off.

    uv run python -m bench.consume_db_publish --events 20000 --repeat 3

Each run gets a fresh database and fresh 6-partition topics, with N events pre-published,
so the figure is drain throughput. Mode "eo" is ExactlyOnceConsumer + OutboxRelay, done
when every outbox row is marked published; mode "plain" is a bare aiokafka consumer that
runs the same handler in one transaction per batch, publishes with an idempotent producer
(acks=all), then commits offsets. One cProfiled "eo" run at --profile-events shows where
the time goes (own CPU per library, top functions). Writes bench/results/consume_db_publish-*.json.
"""
from __future__ import annotations

import argparse  # noqa: E401
import asyncio
import collections
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from revgen_common import ConsumerOptions, Delivered, Envelope, ExactlyOnceConsumer, OutboxRelay, metrics
from revgen_common.db import create_engine, runtime_metadata
from revgen_common.kafka_config import consumer_config, producer_config
from revgen_common.topics import TopicSpec, ensure_topics
from revgen_devstack.testing import create_database, test_infra
from revgen_testing.contracts import EffectRequested
from revgen_testing.effects import applied_count, create_effects_table, effect_requests, make_handlers
from revgen_testing.kafka_io import publish


async def prepare(infra, args):
    """Fresh database (runtime tables + `effects`), fresh in/out topics, N events waiting."""
    engine = create_engine(await create_database(infra, prefix="bench"), pool_size=args.pool)
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
    await create_effects_table(engine)
    source, sink = (TopicSpec(f"bench.{uuid.uuid4().hex[:10]}", key="bench", partitions=6) for _ in "ab")
    await ensure_topics(infra.bootstrap_servers, (source, sink))
    await publish(infra.bootstrap_servers, source.name, effect_requests(args.events, keys=args.keys))
    return engine, source.name, sink.name


async def until(predicate, tasks, timeout=300.0):
    """Poll `predicate` (async); fail loudly if a component died or the deadline passed."""
    deadline = time.perf_counter() + timeout
    while not ((await value) if asyncio.iscoroutine(value := predicate()) else value):
        for task in tasks:
            if task.done():
                raise RuntimeError(f"{task.get_name()} ended early") from task.exception()
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not done within {timeout}s: {predicate.__qualname__}")
        await asyncio.sleep(0.02)


async def run_eo(infra, args, engine, source, sink, stop, mark):
    name = f"eo-{uuid.uuid4().hex[:6]}"
    consumer = ExactlyOnceConsumer(
        name=name, topics=[source], handlers=make_handlers(name, forward_to=sink), engine=engine,
        bootstrap_servers=infra.bootstrap_servers,
        options=ConsumerOptions(max_batch=args.max_batch, max_partitions_in_flight=args.in_flight))
    relay = OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers,
                        batch_size=args.relay_batch)
    tasks = [asyncio.create_task(component.run(stop), name=type(component).__name__) for component in (consumer, relay)]
    await until(lambda: consumer._consumer.assignment(), tasks)
    mark("assigned")
    # The relay counts a row once it is published AND marked; an outbox row implies its handler's effect.
    produced = metrics.EVENTS_PRODUCED.labels(name, sink)  # read in-process: polling costs EO nothing
    await until(lambda: produced._value.get() >= args.events, tasks)
    return tasks


async def run_plain(infra, args, engine, source, sink, stop, mark):
    """The same handler and the same output events, minus inbox, outbox and relay."""
    name = f"plain-{uuid.uuid4().hex[:6]}"
    handler = make_handlers(name)[EffectRequested]
    consumer = AIOKafkaConsumer(**consumer_config(infra.bootstrap_servers, group_id=name,
                                                  max_poll_records=args.max_batch))
    producer = AIOKafkaProducer(**producer_config(infra.bootstrap_servers))
    await asyncio.gather(consumer.start(), producer.start())
    consumer.subscribe([source])
    delivered, workers = 0, {}

    async def work(tp, records):
        nonlocal delivered
        events = [Envelope.from_bytes(r.value) for r in records]
        async with engine.begin() as connection:
            uow = SimpleNamespace(connection=connection)
            for event in events:
                await handler(Delivered.of(event), uow)  # validated, as the runtime does
        outputs = [e.caused("EffectRecorded", name, {"seq": e.payload["seq"]}) for e in events]
        await asyncio.gather(*[await producer.send(sink, o.to_bytes(), key=o.key.encode()) for o in outputs])
        await consumer.commit({tp: records[-1].offset + 1})
        delivered += len(records)
        workers.pop(tp)
        consumer.resume(tp)

    async def loop():
        try:
            while not stop.is_set():
                for tp, records in (await consumer.getmany(timeout_ms=100, max_records=args.max_batch)).items():
                    consumer.pause(tp)  # one batch per partition in flight, as the runtime does
                    workers[tp] = asyncio.create_task(work(tp, records))
            await asyncio.gather(*workers.values())
        finally:
            await asyncio.gather(consumer.stop(), producer.stop())

    tasks = [asyncio.create_task(loop(), name="plain consumer")]
    await until(lambda: consumer.assignment(), tasks)
    mark("assigned")
    await until(lambda: delivered >= args.events, tasks)
    return tasks


def cpu_seconds() -> dict[str, float]:
    """CPU used so far by this process and by the broker / PostgreSQL children (with reaped backends)."""
    usage = {"python": sum(psutil.Process().cpu_times()[:2])}
    for child in psutil.Process().children():
        kind = "kafka" if "java" in child.name() else "postgres" if "postgres" in child.name() else child.name()
        usage[kind] = usage.get(kind, 0) + sum(child.cpu_times()[:4]) + sum(
            sum(sub.cpu_times()[:2]) for sub in child.children(recursive=True))
    return usage


LIBRARIES = ("sqlalchemy", "asyncpg", "aiokafka", "asyncio", "pydantic", "greenlet", "prometheus_client",
             "revgen_common", "revgen_testing", "socket", "epoll", "uuid", "json")


def cpu_by_library(stats: pstats.Stats) -> dict[str, float]:
    """Own CPU time (tottime) of every profiled function, summed per library: where the core goes."""
    groups = collections.Counter()
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():
        groups[next((lib for lib in LIBRARIES if lib in filename + function), "other")] += tottime
    total = sum(groups.values())
    return {lib: f"{seconds:.2f}s {100 * seconds / total:.0f}%" for lib, seconds in groups.most_common()}


async def one_run(infra, args, mode, profiler=None):
    engine, source, sink = await prepare(infra, args)
    stop, marks = asyncio.Event(), {}
    mark = lambda label: marks.setdefault(label, time.perf_counter())  # noqa: E731
    cpu_before, started = cpu_seconds(), time.perf_counter()
    profiler and profiler.enable()
    tasks = await (run_eo if mode == "eo" else run_plain)(infra, args, engine, source, sink, stop, mark)
    profiler and profiler.disable()
    done, cpu_after = time.perf_counter(), cpu_seconds()
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    assert await applied_count(engine) == args.events, "every event applied exactly once"
    await engine.dispose()
    drain = done - marks["assigned"]
    result = {"mode": mode, "events": args.events, "seconds_total": round(done - started, 3),
              "seconds_after_assignment": round(drain, 3), "events_per_s": round(args.events / drain, 1),
              "cpu_cores_used": {k: round((cpu_after[k] - cpu_before.get(k, 0)) / drain, 2) for k in cpu_after},
              "load_avg_1m": os.getloadavg()[0]}  # other work on the box shows here
    print(json.dumps(result), flush=True)
    return result


async def main(args) -> dict:
    with test_infra() as infra:
        results = []
        for i in range(args.repeat):  # alternate the order so drift on a shared box hits both modes
            for mode in (("plain", "eo") if i % 2 == 0 else ("eo", "plain")):
                results.append(await one_run(infra, args, mode))
        report = {}
        for mode in ("eo", "plain"):
            rates = [r["events_per_s"] for r in results if r["mode"] == mode]
            report[mode] = {"runs": rates, "min": min(rates), "median": statistics.median(rates), "max": max(rates)}
        for stat in ("min", "median"):
            report[f"overhead_{stat}"] = round(1 - report["eo"][stat] / report["plain"][stat], 3)
        profile_text = ""
        if args.profile_events:  # cProfile roughly halves the rate; read shares, not absolute figures
            profiler = cProfile.Profile()
            small = argparse.Namespace(**{**vars(args), "events": args.profile_events})
            report["profiled_run"] = await one_run(infra, small, "eo", profiler)
            stats = pstats.Stats(profiler, stream=(out := io.StringIO()))
            report["profiled_run"]["cpu_by_library"] = cpu_by_library(stats)
            stats.sort_stats("tottime").print_stats(30).sort_stats("cumulative").print_stats(30)
            profile_text = out.getvalue()
    machine = {"nproc": os.cpu_count(), "python": platform.python_version(), "load_avg_at_end": os.getloadavg()}
    return {"settings": vars(args), "machine": machine, "results": results, "summary": report, "profile": profile_text}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (alternating order)")
    parser.add_argument("--keys", type=int, default=600, help="distinct message keys")
    parser.add_argument("--max-batch", type=int, default=500, help="ConsumerOptions.max_batch / max_poll_records")
    parser.add_argument("--in-flight", type=int, default=6, help="ConsumerOptions.max_partitions_in_flight")
    parser.add_argument("--relay-batch", type=int, default=1000, help="OutboxRelay.batch_size")
    parser.add_argument("--pool", type=int, default=10, help="engine pool_size (max_overflow is the same)")
    parser.add_argument("--profile-events", type=int, default=5000, help="size of the cProfiled eo run; 0 = off")
    output = asyncio.run(main(parser.parse_args()))
    print(json.dumps({k: v for k, v in output["summary"].items() if k != "profiled_run"}, indent=2))
    print(json.dumps(output["summary"].get("profiled_run", {}).get("cpu_by_library"), indent=2))
    path = Path(__file__).parent / "results" / f"consume_db_publish-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(output, indent=2))
    print(f"wrote {path}")
