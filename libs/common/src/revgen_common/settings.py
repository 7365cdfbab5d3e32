"""Typed process settings, validated all at once when a process starts (audit S2, S3).

A missing, empty or placeholder value is never papered over with a default: the process
prints ONE error naming every bad variable and exits non-zero before it opens a port.
"""
from __future__ import annotations

import re
import sys
from typing import Annotated, NoReturn, TypeVar

from pydantic import AfterValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

EXIT_BAD_SETTINGS = 78  # EX_CONFIG from sysexits.h

_PLACEHOLDER_WORDS = {
    "changeme", "change-me", "change_me", "replaceme", "replace-me", "todo", "tbd", "fixme",
    "secret", "password", "webhook-secret", "webhook_secret", "your-secret", "xxx", "placeholder",
    "dummy", "example", "default", "none", "null",
}
# A provider prefix with nothing after it (`whsec_`, `sk_test_`) or a template marker.
_PLACEHOLDER_PATTERNS = (
    re.compile(r"^(whsec|sk|pk|rk)(_(test|live))?_?$"),
    re.compile(r"^<.*>$"),
    re.compile(r"^\$\{.*\}$"),
    re.compile(r"^x{3,}$"),
)


def is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in _PLACEHOLDER_WORDS or any(p.match(lowered) for p in _PLACEHOLDER_PATTERNS)


def _real_value(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    if is_placeholder(value):
        raise ValueError("is a placeholder, not a real value")
    return value


def _real_secret(value: SecretStr) -> SecretStr:
    _real_value(value.get_secret_value())
    return value


# Use these for every required setting: the type refuses empty and placeholder values.
Required = Annotated[str, AfterValidator(_real_value)]
Secret = Annotated[SecretStr, AfterValidator(_real_secret)]


class ServiceSettings(BaseSettings):
    """Base of every process's settings; subclasses add their own required fields."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True)

    kafka_bootstrap_servers: Required
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)  # each service names its own default


S = TypeVar("S", bound=BaseSettings)


def describe_errors(error: ValidationError, settings_class: type[BaseSettings]) -> str:
    prefix = settings_class.model_config.get("env_prefix", "")
    lines = []
    for problem in error.errors():
        variable = (prefix + "_".join(str(part) for part in problem["loc"][:1])).upper()
        reason = "is missing" if problem["type"] == "missing" else problem["msg"].removeprefix("Value error, ")
        lines.append(f"  {variable} {reason}")
    return "invalid configuration, refusing to start:\n" + "\n".join(sorted(set(lines)))


def load_settings(settings_class: type[S]) -> S:
    """Build the settings or exit with one message naming every bad variable."""
    try:
        return settings_class()
    except ValidationError as error:
        _exit(describe_errors(error, settings_class))


def _exit(message: str) -> NoReturn:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(EXIT_BAD_SETTINGS)
