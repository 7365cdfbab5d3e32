"""`./dev up` gives every service what its settings require: each process's environment, as
`revgen-devstack up` builds it (local secrets, the process's own settings, the fakes'
addresses, database URLs), passes that service's settings validation."""
import importlib

import pytest

from revgen_devstack.cli import _local_env
from revgen_devstack.services import FAKES, SERVICES

SETTINGS = {"ingress": "ingress.settings.IngressSettings", "identity": "identity.settings.IdentitySettings",
            "escalation": "escalation.settings.EscalationSettings", "messaging": "messaging.settings.MessagingSettings",
            "messaging-sender": "messaging.settings.MessagingSettings",
            "billing": "billing.settings.BillingSettings", "gateway": "gateway.settings.GatewaySettings",
            "voice": "voice.settings.VoiceSettings", "reputation": "reputation.settings.ReputationSettings",
            "lag-exporter": "revgen_ops.exporter.LagExporterSettings"}


def settings_class(name: str):
    module, _, cls = SETTINGS[name].rpartition(".")
    return getattr(importlib.import_module(module), cls)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_every_service_up_runs_gets_every_setting_it_requires(service, tmp_path, monkeypatch):
    for name in list(__import__("os").environ):
        if name.isupper():
            monkeypatch.delenv(name)
    env = {**_local_env(tmp_path / "local.env"), "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}
    for fake in FAKES:
        env.update(fake.env)
    for other in SERVICES:
        if other.has_database:
            env[other.database_url_variable] = f"postgresql+asyncpg://u@127.0.0.1/{other.name}"
    for name, value in {**service.local_env, **env}.items():
        monkeypatch.setenv(name, value)
    settings_class(service.name)()  # raises, naming what is missing


def test_the_gateway_reaches_each_service_on_the_port_that_service_listens_on():
    ports = {s.name: s.local_env["PORT"] for s in SERVICES}
    gateway = next(s for s in SERVICES if s.name == "gateway").local_env
    for name in ("identity", "billing", "messaging", "escalation"):
        assert gateway[f"{name.upper()}_URL"] == f"http://127.0.0.1:{ports[name]}"
    assert gateway["GATEWAY_PUBLIC_URL"].endswith(":" + ports["gateway"])


def test_no_two_processes_up_runs_listen_on_the_same_port():
    """Two branches once gave voice and messaging's sender 8086, and the ElevenLabs and Resend
    fakes 12114, on the same day: the second process would fail to bind under `./dev up`."""
    ports = [s.local_env["PORT"] for s in SERVICES if "PORT" in s.local_env]
    ports += [fake.command[fake.command.index("--port") + 1] for fake in FAKES]
    assert len(ports) == len(set(ports)), sorted(ports)
