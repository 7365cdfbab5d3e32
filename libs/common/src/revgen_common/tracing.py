"""Where a message came from: correlation and causation ids in every envelope, and the
OpenTelemetry context in Kafka headers.

While a consumer handles a message (`handling`), every envelope a handler writes to the
outbox without naming its cause is stamped with it: causation = the message handled,
correlation = that message's correlation, or its own id for a root such as a webhook. So
`revgen trace` can follow a webhook through every service without a handler passing ids
along by hand. The outbox row also carries the W3C trace context of the span handling the
message, and the relay publishes it as Kafka headers: a tracing backend sees the same
chain as one trace. Spans are exported over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; without it the API's no-op tracer still passes
an incoming context on, at no cost worth measuring.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator

from opentelemetry import propagate, trace

from revgen_common.envelope import Envelope
from revgen_common.logs import correlation_id

_handled: contextvars.ContextVar[Envelope | None] = contextvars.ContextVar("handled_message", default=None)
tracer = trace.get_tracer("revgen")


@contextlib.contextmanager
def handling(message: Envelope, kafka_headers: Iterable[tuple[str, bytes]] | None, consumer: str,
             step: str = "apply") -> Iterator[None]:
    """The scope of one message's handler: logs carry its correlation id, messages written
    name it as their cause, and its span continues the trace its headers carry."""
    carrier = {name: value.decode(errors="replace") for name, value in (kafka_headers or ())}
    cause = _handled.set(message)
    logged = correlation_id.set(str(message.correlation_id or message.event_id))
    try:
        with tracer.start_as_current_span(
                f"{consumer} {step} {message.type}", context=propagate.extract(carrier), kind=trace.SpanKind.CONSUMER,
                attributes={"messaging.system": "kafka", "messaging.consumer.group.name": consumer,
                            "messaging.message.id": str(message.event_id), "revgen.message.type": message.type}):
            yield
    finally:
        correlation_id.reset(logged)
        _handled.reset(cause)


def stamped(message: Envelope) -> Envelope:
    """`message` naming the message being handled as its cause, unless it names one."""
    cause = _handled.get()
    if cause is None or message.causation_id is not None:
        return message
    return message.model_copy(update={"correlation_id": message.correlation_id or cause.correlation_id or cause.event_id,
                                      "causation_id": cause.event_id})


def context_headers() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`, `tracestate`); empty when
    no trace is active."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def configure_tracing(service: str) -> bool:
    """Export spans over OTLP when an endpoint is configured; returns whether it does."""
    if not (os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True
