"""Start, await and kill test processes (python -m revgen_testing.<module>)."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


async def start_module(module: str, *args: str, log: Path) -> asyncio.subprocess.Process:
    output = open(log, "ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *args, cwd=REPO_ROOT, stdout=output, stderr=output,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def wait_or_stop(process: asyncio.subprocess.Process, timeout: float) -> int:
    """Its exit code if it exits within `timeout`; else SIGTERM it and return that code."""
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        return await stop(process)


async def stop(process: asyncio.subprocess.Process, timeout: float = 30.0) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
    return await process.wait()


def was_killed(returncode: int) -> bool:
    return returncode == -signal.SIGKILL
