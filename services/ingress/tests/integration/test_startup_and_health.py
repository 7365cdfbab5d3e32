"""Start-up refuses bad secrets; health, readiness and metrics answer."""
import os
import subprocess
import sys

import pytest

from ingress_testing import SECRETS, deliver, stripe_event
from revgen_common.settings import EXIT_BAD_SETTINGS
from revgen_common.testing.provider_signatures import stripe_signature_header
from revgen_devstack import free_port

VARIABLES = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
    "INGRESS_DATABASE_URL": "postgresql+asyncpg://u@127.0.0.1:9/ingress",
    "PUBLIC_BASE_URL": "https://hooks.revgen.example",
    **{name.upper(): value for name, value in SECRETS.items()},
}
SECRET_VARIABLES = [name.upper() for name in SECRETS]


def start_ingress(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    return subprocess.run([sys.executable, "-m", "ingress.main"], capture_output=True, text=True, timeout=60,
                          env={**clean, **env, "PORT": str(free_port())})


@pytest.mark.parametrize("variable", SECRET_VARIABLES)
@pytest.mark.parametrize("bad", [None, "", "changeme", "webhook-secret"])
def test_a_missing_empty_or_placeholder_secret_stops_ingress_naming_it(variable, bad):
    env = dict(VARIABLES)
    if bad is None:
        del env[variable]
    else:
        env[variable] = bad
    result = start_ingress(env)
    assert result.returncode == EXIT_BAD_SETTINGS
    assert variable in result.stderr
    assert [v for v in SECRET_VARIABLES if v in result.stderr] == [variable]


def test_every_bad_variable_is_named_at_once():
    result = start_ingress({"STRIPE_WEBHOOK_SECRET": "whsec_", "PUBLIC_BASE_URL": "not a url"})
    assert result.returncode == EXIT_BAD_SETTINGS
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "INGRESS_DATABASE_URL", "PUBLIC_BASE_URL", *SECRET_VARIABLES):
        assert name in result.stderr


async def test_health_readiness_and_metrics(ingress):
    assert (await ingress.get("/healthz")).json() == {"status": "ok"}
    assert (await ingress.get("/readyz")).json() == {"status": "ready"}
    body = stripe_event()
    header = stripe_signature_header(body, [SECRETS["stripe_webhook_secret"]])
    await deliver(ingress, body, header)
    await deliver(ingress, body, header)
    await deliver(ingress, body, None)
    metrics = (await ingress.get("/metrics/")).text
    for line in ('ingress_webhooks_total{outcome="accepted",source="stripe"}',
                 'ingress_webhooks_total{outcome="duplicate",source="stripe"}',
                 'ingress_webhooks_rejected_total{reason="missing_signature"}',
                 "ingress_kafka_publish_seconds_count", "ingress_requests_in_flight"):
        assert line in metrics
