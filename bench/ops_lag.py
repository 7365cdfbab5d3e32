"""How long the operators' lag view (revgen_ops.lag.observe: the operations page, `revgen-ops
lag`, the exporter) takes to judge every group, read from the brokers.

    uv run python -m bench.ops_lag --groups 8 --rounds 3 --repeat 5

Each group consumes one 4-partition topic in `rounds` rounds (a committed offset per round,
so its window of commits holds `rounds` samples to place in time: one offsets-by-time lookup
per sample); then observe() is timed `repeat` times over all groups. Writes
bench/results/ops_lag-*.json; bench/REPORT-ops-lag.md says what was measured when.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import platform
import statistics
import time
import uuid
from pathlib import Path

from revgen_common import ExactlyOnceConsumer
from revgen_common.clock import system_clock
from revgen_common.db import create_engine, runtime_metadata
from revgen_common.topics import TopicSpec, ensure_topics
from revgen_devstack.testing import create_database, test_infra
from revgen_ops.lag import observe
from revgen_testing.effects import create_effects_table, effect_requests, make_handlers
from revgen_testing.kafka_io import group_caught_up, publish
from revgen_testing.running import eventually, running


async def commit_rounds(infra, engine, topic: str, groups: list[str], rounds: int) -> None:
    """Each group runs once per round, until it has committed past everything published."""
    for _ in range(rounds):
        await publish(infra.bootstrap_servers, topic, effect_requests(8, keys=4))
        for group in groups:
            consumer = ExactlyOnceConsumer(name=group, topics=[topic], handlers=make_handlers(group), engine=engine,
                                           bootstrap_servers=infra.bootstrap_servers, clock=system_clock)
            async with running(consumer):
                await eventually(functools.partial(group_caught_up, infra.bootstrap_servers, group, topic))


async def main(args) -> dict:
    with test_infra() as infra:
        engine = create_engine(await create_database(infra, prefix="bench_lag"))
        async with engine.begin() as connection:
            await connection.run_sync(runtime_metadata.create_all)
        await create_effects_table(engine)
        topic = TopicSpec(f"bench.{uuid.uuid4().hex[:10]}", key="bench", partitions=4)
        await ensure_topics(infra.bootstrap_servers, [topic])
        groups = [f"bench-lag-{uuid.uuid4().hex[:6]}" for _ in range(args.groups)]
        await commit_rounds(infra, engine, topic.name, groups, args.rounds)
        seconds = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            observed = await observe(infra.bootstrap_servers, groups)
            seconds.append(time.perf_counter() - started)
            assert len(observed) == args.groups
        await engine.dispose()
    summary = {"min_s": round(min(seconds), 3), "median_s": round(statistics.median(seconds), 3),
               "max_s": round(max(seconds), 3)}
    return {"settings": vars(args), "machine": {"python": platform.python_version(), "cpus": 2},
            "seconds": seconds, "summary": summary}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    output = asyncio.run(main(parser.parse_args()))
    print(json.dumps(output["summary"]))
    path = Path(__file__).parent / "results" / f"ops_lag-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(output, indent=2))
    print(f"written {path}")
