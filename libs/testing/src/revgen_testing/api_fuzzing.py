"""Property-based fuzzing of a running service through its OpenAPI document (schemathesis).

Every operation is fed examples that fit its schema and examples that do not (NUL and
other odd characters, wrong types, huge numbers, missing and unknown fields), on ONE
keep-alive session, and every answer must be: not a 5xx, a status the operation
documents, a body its schema allows. Deterministic (`derandomize`) and bounded, so a run
costs seconds and a failure comes back the same on every run.

The checks block on HTTP calls, so `fuzz` runs in a worker thread while the service (and
its provider fakes) keep serving in the test's event loop."""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from revgen_common.testing.internal_api import TEST_API_HEADERS

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance,
          negative_data_rejection]
# Destructive operations last, so the examples before them still find what they act on.
_ORDER = {"GET": 0, "PUT": 1, "PATCH": 1, "POST": 1, "DELETE": 2}


@dataclass
class FuzzReport:
    examples: Counter = field(default_factory=Counter)  # per operation
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"{sum(self.examples.values())} examples over {len(self.examples)} operations, "
                f"statuses {dict(sorted(self.statuses.items()))}")


@dataclass(frozen=True)
class Target:
    """Where to fuzz, and what lets examples get past the door: real credentials and ids
    (half of the examples use them, half are wholly generated)."""
    openapi: dict[str, Any]
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    path_parameters: dict[str, str] = field(default_factory=dict)
    last: tuple[str, ...] = ()  # operation labels to run at the very end (e.g. logout)


async def fuzz(target: Target, max_examples: int = 40) -> FuzzReport:
    return await asyncio.to_thread(_fuzz, target, max_examples)


def _fuzz(target: Target, max_examples: int) -> FuzzReport:
    schema = schemathesis.openapi.from_dict(target.openapi)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.label in target.last, _ORDER.get(op.method.upper(), 1)))
    report = FuzzReport()
    with requests.Session() as session:
        session.headers.update(TEST_API_HEADERS)  # the service's own door: the gateway always holds its key
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _run(operation, mode, target, session, report, max_examples)
                except Unsatisfiable:
                    pass  # nothing of it can be made invalid (no parameters, no body)
                except (Exception, BaseExceptionGroup) as failure:  # hypothesis re-raises what it found
                    report.failures[f"{operation.label} ({mode})"] = f"{type(failure).__name__}: {failure}"[:2000]
    return report


def _run(operation, mode, target: Target, session, report: FuzzReport, max_examples: int) -> None:
    known = {name: value for name, value in target.path_parameters.items()
             if name in {p.name for p in operation.path_parameters}}
    strategy = st.one_of(operation.as_strategy(mode),
                         operation.as_strategy(mode, path_parameters=known or None, headers=target.headers or None))

    @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
    @given(case=strategy)
    def example(case) -> None:
        response = case.call(base_url=target.base_url, session=session, timeout=20)
        report.examples[operation.label] += 1
        report.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    example()
