"""The dashboards and the Prometheus scrape config (deploy/observability) stay true to the
metrics the code exports and to the services docker-compose.yml runs."""
import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from ingress import metrics as ingress_metrics
from revgen_common import metrics as runtime_metrics
from revgen_ops import exporter as lag_exporter

# Importing them registers every metric the services and the lag exporter export.
EXPORTERS = (runtime_metrics, ingress_metrics, lag_exporter)

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "revgen-operations.json"
OUR_METRIC = re.compile(r"\b(?:revgen|kafka|ingress)_[a-z0-9_]+\b")


def exported_series_names() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(family.name)
    return names


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def test_every_metric_a_dashboard_queries_is_one_the_code_exports():
    queried = {name for expr in dashboard_expressions() for name in OUR_METRIC.findall(expr)}
    assert queried, "the dashboard queries none of our metrics"
    assert queried - exported_series_names() == set()


def test_consumer_lag_dead_letters_and_outbox_backlog_each_have_a_panel():
    queried = {name for expr in dashboard_expressions() for name in OUR_METRIC.findall(expr)}
    assert {"kafka_consumergroup_lag", "kafka_consumergroup_lag_seconds", "kafka_consumergroup_status",
            "revgen_dead_letters_total", "revgen_retries_total", "revgen_outbox_backlog", "revgen_outbox_parked",
            "ingress_webhooks_total"} <= queried


def test_prometheus_scrapes_every_service_compose_runs_on_the_port_it_listens_on():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    listening = {f"{name}:{service['environment']['PORT']}" for name, service in compose.items()
                 if isinstance(service.get("environment"), dict) and "PORT" in service["environment"]}
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    scraped = {target for job in config["scrape_configs"] for group in job["static_configs"]
               for target in group["targets"]}
    assert listening == {"ingress:8080", "identity:8081", "escalation:8082", "billing:8083", "messaging:8084",
                         "voice:8086", "reputation:8088", "messaging-sender:8087", "lag-exporter:8089", "gateway:8085"}
    assert scraped == listening
    assert {job["metrics_path"] for job in config["scrape_configs"]} == {"/metrics/"}


def test_prometheus_loads_the_alert_rules_compose_mounts():
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    prometheus = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["prometheus"]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    assert "./deploy/observability/alerts.yml:/etc/prometheus/alerts.yml:ro" in prometheus["volumes"]


def test_every_panel_reads_the_provisioned_datasource():
    datasources = yaml.safe_load((OBSERVABILITY / "grafana" / "datasources.yml").read_text())["datasources"]
    panels = [p for p in json.loads(DASHBOARD.read_text())["panels"] if p["type"] != "row"]
    assert {p["datasource"]["uid"] for p in panels} == {d["uid"] for d in datasources}
