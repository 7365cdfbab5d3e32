"""The gateway refuses to start without its settings, naming every missing or placeholder one."""
import os
import subprocess
import sys

from revgen_common.settings import EXIT_BAD_SETTINGS

REQUIRED = ("KAFKA_BOOTSTRAP_SERVERS", "GATEWAY_PUBLIC_URL", "IDENTITY_URL", "BILLING_URL", "MESSAGING_URL",
            "ESCALATION_URL", "IDENTITY_API_TOKEN", "BILLING_API_TOKEN", "MESSAGING_API_TOKEN", "ESCALATION_API_TOKEN",
            "VOICE_URL", "VOICE_API_TOKEN", "CSRF_SECRET")


def test_the_gateway_refuses_to_start_naming_every_missing_or_placeholder_variable():
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    env["CSRF_SECRET"] = "changeme"
    result = subprocess.run([sys.executable, "-m", "gateway.main"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == EXIT_BAD_SETTINGS
    for name in REQUIRED:
        assert name in result.stderr, name
    assert "CSRF_SECRET is a placeholder" in result.stderr
