"""A Kafka→Kafka stage for crash tests: copies each input record to the output topic
inside a Kafka transaction. `--crash-at POINT:K` SIGKILLs it at the K-th checkpoint."""
from __future__ import annotations

import argparse
import asyncio
import os
import signal

from revgen_common import Output, TransactionalStage


def main() -> None:
    parser = argparse.ArgumentParser()
    for flag in ("--bootstrap", "--input", "--output", "--group"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--crash-at")
    args = parser.parse_args()
    point, _, count = (args.crash_at or "").partition(":")
    remaining = int(count or 0)

    def checkpoint(name: str) -> None:
        nonlocal remaining
        if name == point:
            remaining -= 1
            if remaining <= 0:
                os.kill(os.getpid(), signal.SIGKILL)

    async def copy(record):
        return [Output(args.output, record.key, record.value)]

    async def run() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        stage = TransactionalStage(name=args.group, input_topic=args.input, transform=copy,
                                   bootstrap_servers=args.bootstrap, max_batch=50, checkpoint=checkpoint,
                                   group_instance_id=f"{args.group}-0", session_timeout_ms=6000,
                                   heartbeat_interval_ms=500)
        await stage.run(stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
