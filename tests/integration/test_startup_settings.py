"""A process refuses to start on missing, empty or placeholder settings (audit S2, S3)."""
import os
import socket
import subprocess
import sys

import pytest

from revgen_common.settings import EXIT_BAD_SETTINGS
from revgen_devstack import free_port
from revgen_testing.processes import REPO_ROOT

GOOD = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
    "EXAMPLE_DATABASE_URL": "postgresql+asyncpg://u@127.0.0.1/example",
    "STRIPE_WEBHOOK_SECRET": "whsec_5f3a9c1e7b2d4a6f8e0c1b3d5a7f9e2c",
    "TWILIO_AUTH_TOKEN": "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c",
}


def start(env: dict[str, str], port: int) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in GOOD}
    return subprocess.run(
        [sys.executable, "-m", "revgen_testing.settings_process"], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**clean, **env, "METRICS_PORT": str(port)}, timeout=60,
    )


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_process_with_every_setting_valid_starts():
    result = start(GOOD, free_port())
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize("bad", ["", "   ", "changeme", "webhook-secret", "whsec_", "<your-token>"])
def test_every_bad_variable_is_named_in_one_error_and_no_port_is_opened(bad):
    env = {**GOOD, "STRIPE_WEBHOOK_SECRET": bad, "TWILIO_AUTH_TOKEN": bad}
    del env["EXAMPLE_DATABASE_URL"]
    port = free_port()
    result = start(env, port)
    assert result.returncode == EXIT_BAD_SETTINGS
    assert result.stderr.count("invalid configuration") == 1
    for name in ("EXAMPLE_DATABASE_URL is missing", "STRIPE_WEBHOOK_SECRET", "TWILIO_AUTH_TOKEN"):
        assert name in result.stderr
    assert bad.strip() == "" or bad not in result.stderr  # a secret's value is never echoed
    assert "started" not in result.stdout and not port_is_open(port)


@pytest.mark.parametrize("service", ["ingress", "identity", "escalation", "billing", "messaging"])
@pytest.mark.parametrize("bad", [None, "", "changeme"])
def test_a_migration_without_a_real_database_url_refuses_to_run_naming_it(service, bad):
    variable = f"{service.upper()}_DATABASE_URL"
    env = {k: v for k, v in os.environ.items() if k != variable}
    if bad is not None:
        env[variable] = bad
    result = subprocess.run([sys.executable, "-m", f"{service}.migrate"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == EXIT_BAD_SETTINGS
    assert variable in result.stderr
