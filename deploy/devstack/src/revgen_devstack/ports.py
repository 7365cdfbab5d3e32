import ctypes
import random
import signal
import socket
import time
from pathlib import Path

_handed_out: set[int] = set()


def free_port() -> int:
    """A port free now that nothing will take before the server meant for it binds.

    Not bind(0): that hands out an ephemeral port, which the kernel gives to the next
    outgoing connection as well, and a test starting a dozen servers makes many Kafka and
    PostgreSQL connections before the last one binds (uvicorn then exits the run: a
    SystemExit in a fixture that broke every later test of the module's fixture, CI stop
    21). So: a random port below the ephemeral range, never one this process handed out."""
    below = _ephemeral_start()
    if below <= 20_000:  # an unusual range: nothing safe below it, fall back to the kernel's pick
        return _kernel_pick()
    for _ in range(1_000):
        port = random.randrange(20_000, below)
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port in 20000-{below - 1}")


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default; other systems' ranges start higher


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _kernel_pick() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, is_alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive():
            raise RuntimeError(f"process serving port {port} exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def die_with_parent() -> None:
    """preexec_fn: the kernel SIGTERMs the child if the process that started it dies, even
    by SIGKILL, so a crashed test run leaves no broker or database behind (Linux)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
