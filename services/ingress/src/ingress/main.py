"""`revgen-ingress`: validate settings, then serve the webhook gateway from INGRESS_WORKERS
processes on one port (uvicorn's supervisor binds it and restarts a worker that dies)."""
import ctypes
import os
import shutil
import signal
import sys
import tempfile
from typing import Any

import uvicorn

from ingress import metrics
from ingress.bootstrap import create_app
from ingress.settings import IngressSettings
from revgen_common import load_settings
from revgen_common.logs import configure_logging

# A worker must answer the supervisor within timeout_worker_healthcheck of starting, or it
# is killed and started again: uvicorn's 5 s is less than a worker's imports take on a
# loaded 2-core host (4-8 s measured at load average 9-13), which made a restart loop.
SERVER_OPTIONS: dict[str, Any] = {"log_config": None, "proxy_headers": False, "timeout_graceful_shutdown": 15,
                  "timeout_worker_healthcheck": 30}


def main() -> None:
    settings = load_settings(IngressSettings)  # exits naming every bad variable, before any worker starts
    configure_logging(settings.log_level)
    if settings.ingress_workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, **SERVER_OPTIONS)
    else:
        # Set before the workers start, so each one's prometheus_client counts into files there.
        metrics_dir = tempfile.mkdtemp(prefix="revgen-ingress-metrics-")
        os.environ[metrics.MULTIPROC_DIR_VARIABLE] = metrics_dir
        try:
            uvicorn.run("ingress.main:worker_app", factory=True, workers=settings.ingress_workers,
                        host=settings.host, port=settings.port, **SERVER_OPTIONS)
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def worker_app():
    """Called in each worker process: its own settings, logging, Kafka producer and pool."""
    _stop_with_supervisor()
    metrics.forget_dead_workers()
    settings = load_settings(IngressSettings)
    configure_logging(settings.log_level)
    return create_app(settings)


def _stop_with_supervisor() -> None:
    """A supervisor killed with SIGKILL cannot stop its workers: the kernel SIGTERMs them
    instead (Linux), and they shut down gracefully rather than linger holding the port."""
    if sys.platform == "linux":
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


if __name__ == "__main__":
    main()
