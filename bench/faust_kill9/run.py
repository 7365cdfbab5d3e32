"""kill -9 test of a faust-streaming windowed count, exactly_once vs at_least_once.

    cd /work/main && .venv/bin/python -m bench.faust_kill9.run            # whole experiment
    .venv/bin/python -m bench.faust_kill9.run --modes exactly_once --kills 4 --events 1000

Starts its own single-node KRaft broker (revgen_devstack.kafka_broker), builds a separate
faust venv in bench/faust_kill9/.venv (faust-streaming pins click<8.4, which the workspace lock
cannot take without downgrading click for every service), then for each processing guarantee:
publishes N JSON events over K client keys spread over a few days, runs the worker
(bench/faust_kill9/app.py) and SIGKILLs it `--kills` times -- mostly from outside at a random
moment after it started processing, some from inside at a random event, right after the table
update -- restarting it each time, then lets a last run drain the topic and stops it with
SIGTERM. Final counts are read with isolation_level=read_committed from the table's changelog
topic (last value per windowed key) and from the sink topic (last count per key, and how many
times each event_id appears) and compared with the true counts. Worker logs stay in the temp
dir printed at the end; a JSON summary goes to bench/faust_kill9/results/.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import GroupCoordinatorNotAvailableError

from revgen_devstack.kafka_broker import KafkaBroker, kafka_libs_dir
from revgen_devstack.ports import die_with_parent

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV = HERE / ".venv"  # ignored by the repo's `.venv/` rule
FAUST_SPEC = os.environ.get("FK_FAUST_SPEC", "faust-streaming==0.15.3")
DAY = 86400


# ---------------------------------------------------------------- environment

def faust_python() -> Path:
    """The faust venv's interpreter, created with uv on first use."""
    python = VENV / "bin" / "python"
    uv = shutil.which("uv") or str(REPO / ".revgen" / "tools" / "bin" / "uv")
    if not python.exists():
        subprocess.run([uv, "venv", "-q", "-p", "3.11", str(VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import faust"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([uv, "pip", "install", "-q", "--python", str(python), FAUST_SPEC], check=True)
    return python


def versions(python: Path) -> dict:
    out = subprocess.run(
        [str(python), "-c", "import sys; from importlib.metadata import version as v; "
         "print(v('faust-streaming'), v('aiokafka'), v('mode-streaming'), sys.version.split()[0])"],
        capture_output=True, text=True, check=True).stdout.split()
    kafka_jar = next(p.name for p in kafka_libs_dir().glob("kafka_2.13-*.jar"))
    return {"faust_streaming": out[0], "aiokafka_in_faust_venv": out[1], "mode_streaming": out[2],
            "python": out[3], "kafka_broker": kafka_jar.removeprefix("kafka_2.13-").removesuffix(".jar")}


# ---------------------------------------------------------------- kafka helpers

async def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


async def list_topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


async def publish(bootstrap: str, topic: str, events: list[dict]) -> None:
    """Publish; each event dict gets the _partition/_offset it landed at (not in the payload)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        futures = [await producer.send(topic, json.dumps({k: v for k, v in e.items() if not k.startswith("_")}).encode(), key=e["client_id"].encode())
                   for e in events]
        for event, meta in zip(events, await asyncio.gather(*futures)):
            event["_partition"], event["_offset"] = meta.partition, meta.offset
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, isolation_level: str) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level=isolation_level)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        # read_committed: end_offsets is the last stable offset, i.e. what a committed reader can reach
        ends = await consumer.end_offsets(partitions)
        records, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            positions = [await consumer.position(tp) for tp in partitions]
            if all(pos >= ends[tp] for pos, tp in zip(positions, partitions)):
                break
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def group_position(bootstrap: str, group: str, topic: str, partitions: int, per_partition: bool = False):
    """(records the group has committed past, records in the topic); with per_partition,
    {partition: (committed offset, end offset)}."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        for attempt in range(40):  # a fresh broker creates __consumer_offsets on first use
            try:
                committed = await admin.list_consumer_group_offsets(group)
                break
            except GroupCoordinatorNotAvailableError:
                await asyncio.sleep(0.5)
        else:
            raise TimeoutError(f"no group coordinator for {group}")
        ends = await consumer.end_offsets(tps)
        at = {tp.partition: (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0, ends[tp])
              for tp in tps}
        if per_partition:
            return at
        return sum(min(c, e) for c, e in at.values()), sum(ends.values())
    finally:
        await consumer.stop()
        await admin.close()


# ---------------------------------------------------------------- worker process

class Worker:
    def __init__(self, python: Path, env: dict, log: Path, self_kill: str | None = None):
        self.log = log
        self.offset = log.stat().st_size if log.exists() else 0
        env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        env.pop("FK_SELF_KILL_AT", None)
        if self_kill:
            env["FK_SELF_KILL_AT"] = self_kill
        self.started = time.monotonic()
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(python), "-m", "bench.faust_kill9.app", "worker", "-l", "info"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)

    def output(self) -> str:
        with open(self.log, "rb") as f:
            f.seek(self.offset)
            return f.read().decode(errors="replace")

    def processing(self) -> bool:
        return f"FK {self.proc.pid} " in self.output() and "first-event" in self.output()

    async def wait_processing(self, timeout: float) -> float | None:
        """Seconds from spawn to the first event processed, or None (exited / timed out)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self.processing():
                return time.monotonic() - self.started
            await asyncio.sleep(0.05)
        return None

    def kill9(self) -> bool:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            return True
        return False

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# ---------------------------------------------------------------- one guarantee

def make_events(n: int, keys: int, days: int, rng: random.Random) -> list[dict]:
    base = (int(time.time()) // DAY - days) * DAY  # wall clock: whole days in the recent past
    return [{"event_id": uuid.uuid4().hex, "client_id": f"client-{rng.randrange(keys):02d}",
             "ts": base + rng.randrange(days) * DAY + rng.uniform(0, DAY - 1)} for _ in range(n)]


def true_counts(events: list[dict]) -> collections.Counter:
    return collections.Counter((e["client_id"], int(e["ts"] // DAY * DAY)) for e in events)


def compare(truth: collections.Counter, got: dict) -> dict:
    keys = set(truth) | set(got)
    diffs = {k: got.get(k, 0) - truth.get(k, 0) for k in keys}
    lost = {k: -d for k, d in diffs.items() if d < 0}
    doubled = {k: d for k, d in diffs.items() if d > 0}
    return {"keys_true": len(truth), "keys_seen": len(got), "sum_true": sum(truth.values()),
            "sum_seen": sum(got.values()), "keys_short": len(lost), "events_lost": sum(lost.values()),
            "keys_over": len(doubled), "events_doubled": sum(doubled.values()),
            "max_over_one_key": max(doubled.values(), default=0),
            "max_short_one_key": max(lost.values(), default=0)}


async def run_mode(mode: str, args, broker: KafkaBroker, python: Path, workdir: Path, rng: random.Random):
    """mode = guarantee[/nosink-before]: the variant drops the sink and sleeps before the update."""
    guarantee, _, variant = mode.partition("/")
    with_sink = variant != "nosink-before"
    tag = f"{guarantee.replace('_', '')}{'-ns' if not with_sink else ''}-{uuid.uuid4().hex[:6]}"
    app_id, source, sink = f"fk-{tag}", f"fk-{tag}-events", f"fk-{tag}-counts"
    log = workdir / f"worker-{mode.replace('/', '-')}.log"
    bootstrap = broker.bootstrap_servers
    await create_topics(bootstrap, [source, sink] if with_sink else [source], args.partitions)
    events = make_events(args.events, args.keys, args.days, rng)
    await publish(bootstrap, source, events)
    truth = true_counts(events)
    env = {"FK_APP_ID": app_id, "FK_BOOTSTRAP": bootstrap, "FK_GUARANTEE": guarantee, "FK_SOURCE": source,
           "FK_SINK": sink if with_sink else "", "FK_DELAY_WHERE": "after" if with_sink else "before",
           "FK_PARTITIONS": str(args.partitions), "FK_DATADIR": str(workdir / f"data-{tag}"),
           "FK_DELAY_MS": str(args.delay_ms), "FK_COMMIT_INTERVAL": str(args.commit_interval)}
    print(f"\n=== {mode}: app {app_id}, {args.events} events / {len(truth)} (client, day) keys", flush=True)

    runs, kills, t0 = [], 0, time.monotonic()
    for i in range(args.kills):
        done, total = await group_position(bootstrap, app_id, source, args.partitions)
        if done >= total:
            print(f"  group caught up after {kills} kills; stopping the kill loop", flush=True)
            break
        inside = rng.random() < args.inside_share
        self_kill = f"{rng.randint(1, args.delay_events)}:after_table" if inside else None
        worker = Worker(python, env, log, self_kill=self_kill)
        to_first = await worker.wait_processing(timeout=120)
        run = {"run": i, "pid": worker.proc.pid, "kind": "self_kill_after_table" if inside else "external",
               "spawn_to_first_event_s": round(to_first, 2) if to_first else None, "committed_before": done}
        if to_first is None and worker.proc.poll() is None:
            run["note"] = "no event processed within 120 s"
        if inside:
            rc = worker.proc.wait(timeout=300) if worker.proc.poll() is None else worker.proc.returncode
            run["killed"] = rc == -signal.SIGKILL
            if not run["killed"] and worker.proc.poll() is None:
                worker.kill9()
        else:
            delay = rng.uniform(args.min_kill_s, args.max_kill_s)
            await asyncio.sleep(delay)
            run["kill_after_first_event_s"] = round(delay, 2)
            run["killed"] = worker.kill9()
            if not run["killed"]:
                run["exit_code"] = worker.proc.returncode
        run["processed_in_run"] = max([int(m) for m in re.findall(rf"FK {worker.proc.pid} \S+ processed (\d+)",
                                                                   worker.output())], default=0)
        kills += bool(run["killed"])
        runs.append(run)
        print(f"  run {i}: {run}", flush=True)

    # final run: no kill; wait until the group has committed past every input record
    worker = Worker(python, env, log)
    deadline, caught_up, to_first = time.monotonic() + args.drain_timeout, False, None
    while time.monotonic() < deadline and worker.proc.poll() is None:
        if to_first is None and worker.processing():
            to_first = time.monotonic() - worker.started
        done, total = await group_position(bootstrap, app_id, source, args.partitions)
        if done >= total:
            caught_up = True
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(args.commit_interval + 1)  # let the last transaction commit
    final_exit = worker.stop()
    done, total = await group_position(bootstrap, app_id, source, args.partitions)
    at = await group_position(bootstrap, app_id, source, args.partitions, per_partition=True)
    runs.append({"run": "final", "committed_per_partition": {p: f"{c}/{e}" for p, (c, e) in at.items()}, "pid": worker.proc.pid, "spawn_to_first_event_s":
                 round(to_first, 2) if to_first else None, "caught_up": caught_up, "exit_code": final_exit,
                 "committed": f"{done}/{total}"})
    print(f"  final run: {runs[-1]}", flush=True)
    elapsed = time.monotonic() - t0

    # ---- read the results back as a read_committed consumer
    truth_committed = true_counts([e for e in events if e["_offset"] < at[e["_partition"]][0]])
    changelog = f"{app_id}-counts-changelog"
    topics = await list_topics(bootstrap)
    result = {"mode": mode, "guarantee": guarantee, "app_id": app_id, "kills": kills, "runs": runs, "elapsed_s": round(elapsed, 1),
              "topics_created_by_faust": [t for t in topics if t.startswith(app_id) and t not in (source, sink)]}
    if changelog in topics:
        committed = await read_all(bootstrap, changelog, "read_committed")
        everything = await read_all(bootstrap, changelog, "read_uncommitted")
        table = {}
        for r in committed:
            client, (start, _end) = json.loads(r.key)
            table[(client, int(start))] = json.loads(r.value)
        result["changelog"] = compare(truth, table)
        # exactly-once invariant: committed state == f(inputs below the committed offsets)
        result["changelog_vs_committed_inputs"] = compare(truth_committed, table)
        result["changelog"]["records_committed"] = len(committed)
        result["changelog"]["records_uncommitted_view"] = len(everything)
    if not with_sink:
        result["log_signals"] = log_signals(log)
        return result
    sink_committed = await read_all(bootstrap, sink, "read_committed")
    sink_all = await read_all(bootstrap, sink, "read_uncommitted")
    last, ids = {}, collections.Counter()
    for r in sink_committed:
        v = json.loads(r.value)
        last[(v["client_id"], v["day"])] = v["count"]
        ids[v["event_id"]] += 1
    result["sink_last_count"] = compare(truth, last)
    result["sink_last_count_vs_committed_inputs"] = compare(truth_committed, last)
    all_ids = {e["event_id"] for e in events if e["_offset"] < at[e["_partition"]][0]}
    result["sink_event_ids"] = {"records_committed": len(sink_committed), "records_uncommitted_view": len(sink_all),
                                "committed_inputs_missing": len(all_ids - set(ids)),
                                "events_written_more_than_once": sum(1 for c in ids.values() if c > 1),
                                "extra_copies": sum(c - 1 for c in ids.values() if c > 1)}
    result["log_signals"] = log_signals(log)
    return result


def log_signals(log: Path) -> dict:
    text = log.read_text(errors="replace")
    pats = {"fenced": r"fenced|ProducerFenced", "tracebacks": r"Traceback", "error_lines": r"\[ERROR\]",
            "warning_lines": r"\[WARNING\] (?!FK )", "crashed": r"Crashed reason", "recovery_done": r"Recovery complete|Done recovering|Restore complete",
            "exception_in_commit": r"Exception in commit_transaction", "exception_in_begin": r"Exception in begin_transaction",
            "not_committed_warning": r"Has not committed"}
    out = {k: len(re.findall(p, text)) for k, p in pats.items()}
    errors = collections.Counter(re.sub(r"\d+", "N", m)[:160] for m in re.findall(r"\[(?:ERROR|WARNING)\] (?!FK )(.*)", text))
    out["top_error_warning_lines"] = errors.most_common(8)
    return out


# ---------------------------------------------------------------- main

async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="exactly_once,exactly_once/nosink-before,at_least_once")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--inside-share", type=float, default=0.25, help="share of kills done by the worker itself")
    parser.add_argument("--delay-events", type=int, default=400, help="self-kill at a random event 1..this")
    parser.add_argument("--delay-ms", type=float, default=5.0, help="simulated work per event")
    parser.add_argument("--commit-interval", type=float, default=1.0, help="faust broker_commit_interval")
    parser.add_argument("--min-kill-s", type=float, default=0.3)
    parser.add_argument("--max-kill-s", type=float, default=3.5)
    parser.add_argument("--drain-timeout", type=float, default=150)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)

    python = faust_python()
    info = versions(python)
    print(f"versions: {info}; seed {seed}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="faust_kill9-"))
    t0 = time.monotonic()
    broker = KafkaBroker(workdir / "broker").start()
    print(f"broker {broker.bootstrap_servers} up in {time.monotonic() - t0:.1f}s; logs in {workdir}", flush=True)
    results = []
    try:
        for guarantee in args.modes.split(","):
            results.append(await run_mode(guarantee, args, broker, python, workdir, rng))
    finally:
        broker.stop()

    summary = {"command": " ".join([".venv/bin/python", "-m", "bench.faust_kill9.run", *sys.argv[1:]]),
               "seed": seed, "versions": info, "params": vars(args), "workdir": str(workdir), "results": results}
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"faust_kill9-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(summary, indent=2, default=str))
    print("\n================ summary ================")
    for r in results:
        print(f"{r['mode']}: {r['kills']} kills in {r['elapsed_s']}s")
        final = r["runs"][-1]
        print(f"  final run caught up: {final['caught_up']}; committed per partition {final['committed_per_partition']}")
        for part in ("changelog", "changelog_vs_committed_inputs", "sink_last_count", "sink_last_count_vs_committed_inputs"):
            if part in r:
                c = r[part]
                print(f"  {part:35} lost {c['events_lost']:>4} on {c['keys_short']:>3} keys | doubled "
                      f"{c['events_doubled']:>4} on {c['keys_over']:>3} keys (max +{c['max_over_one_key']}) "
                      f"| sum {c['sum_seen']}/{c['sum_true']}")
        s = r.get("sink_event_ids")
        if s: print(f"  sink event ids   committed inputs missing {s['committed_inputs_missing']}, written more than once {s['events_written_more_than_once']} "
              f"(+{s['extra_copies']} copies); committed {s['records_committed']} / uncommitted view {s['records_uncommitted_view']}")
        print(f"  startup (spawn -> first event, s): {[x['spawn_to_first_event_s'] for x in r['runs']]}")
        signals = {k: v for k, v in r["log_signals"].items() if k != "top_error_warning_lines"}
        print(f"  worker log signals: {signals}")
    print(f"summary written to {out.relative_to(REPO)}; worker logs in {workdir}")


if __name__ == "__main__":
    asyncio.run(main())
