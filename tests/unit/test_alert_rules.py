"""The alert rules (deploy/observability/alerts.yml) query only metrics the code exports,
and pass `promtool check rules` and their unit tests (`promtool test rules`)."""
import shutil
import subprocess

import pytest
import yaml

from tests.unit.test_observability_config import (
    OBSERVABILITY,
    OUR_METRIC,
    ROOT,
    exported_series_names,
)

RULES = OBSERVABILITY / "alerts.yml"


def promtool() -> str | None:
    local = ROOT / ".revgen" / "tools" / "bin" / "promtool"  # ./dev installs it
    return str(local) if local.exists() else shutil.which("promtool")


def rule_expressions() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def test_every_metric_an_alert_queries_is_one_the_code_exports():
    queried = {name for expr in rule_expressions().values() for name in OUR_METRIC.findall(expr)}
    assert queried - exported_series_names() == set()


def test_stopped_and_stalled_groups_time_lag_dead_letters_parked_rows_and_a_relay_behind_each_alert():
    assert {"ConsumerGroupStopped", "ConsumerGroupStalled", "ConsumerTimeLagHigh", "DeadLettersArriving",
            "OutboxRowsParked", "OutboxRelayBehind"} <= set(rule_expressions())


def test_every_alert_names_a_runbook_that_exists():
    runbooks = (ROOT / "docs" / "operations" / "runbooks.md").read_text().lower()
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            anchor = rule["annotations"]["runbook"].split("#", 1)[1]
            assert "## " + anchor.replace("-", " ") in runbooks, anchor


@pytest.mark.skipif(promtool() is None, reason="promtool not installed (./dev installs it where apt-get can)")
def test_promtool_checks_the_rules_and_their_unit_tests_pass():
    check = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run([promtool(), "test", "rules", "alerts.test.yml"], cwd=OBSERVABILITY, capture_output=True,
                           text=True)
    assert tests.returncode == 0, tests.stdout + tests.stderr
