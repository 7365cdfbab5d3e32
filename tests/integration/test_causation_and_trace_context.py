"""What a handler writes names what it handled: correlation and causation ids are stamped
by the runtime, and the OpenTelemetry context travels in Kafka headers through the
outbox and relay, so the chain is one trace (an in-memory exporter stands in for OTLP)."""
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import func, select

from revgen_common import Envelope, OutboxRelay
from revgen_common.db import inbox
from revgen_common.tracing import context_headers, tracer
from revgen_testing.contracts import Forwarded, WebhookReceived
from revgen_testing.kafka_io import read_all
from revgen_testing.running import eventually, running
from tests.integration.test_consumer_exactly_once import consumer

_SPANS = InMemorySpanExporter()


@pytest.fixture(scope="module")
def spans():
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_SPANS))
    trace.set_tracer_provider(provider)  # once per process: later calls are ignored
    return _SPANS


async def test_a_handlers_messages_name_their_cause_and_continue_the_webhooks_trace(infra, engine, make_topic, spans):
    first, second = await make_topic(partitions=1), await make_topic(partitions=1)
    name = f"traced-{uuid.uuid4().hex[:6]}"
    seen: list[Envelope] = []

    async def forward(event, uow):  # writes a plain envelope: no ids passed by hand
        uow.publish_envelope(second, Envelope(type="Forwarded", producer=name, key=event.envelope.key))

    async def record(event, uow):
        seen.append(event.envelope)

    root = Envelope(type="WebhookReceived", producer="ingress", key="k")
    with tracer.start_as_current_span("ingress webhook") as webhook_span:  # as ingress publishes
        headers = context_headers()
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap_servers)
    await producer.start()
    await producer.send_and_wait(first, root.to_bytes(), key=b"k", headers=[(k, v.encode()) for k, v in headers.items()])
    await producer.stop()

    relay = OutboxRelay(name=name, engine=engine, bootstrap_servers=infra.bootstrap_servers)
    async with running(consumer(name, first, engine, infra, handlers={WebhookReceived: forward})), running(relay), \
            running(consumer(f"{name}-next", second, engine, infra, handlers={Forwarded: record})):
        await eventually(lambda: _count(engine, 2), timeout=30)

    (forwarded,) = seen
    assert forwarded.causation_id == root.event_id and forwarded.correlation_id == root.event_id
    (record_on_kafka,) = await read_all(infra.bootstrap_servers, second)
    assert "traceparent" in dict(record_on_kafka.headers)
    mine = {s.name: s for s in spans.get_finished_spans() if s.context.trace_id == webhook_span.context.trace_id}
    applied, next_applied = mine[f"{name} apply WebhookReceived"], mine[f"{name}-next apply Forwarded"]
    assert applied.parent.span_id == webhook_span.context.span_id
    assert next_applied.parent.span_id == applied.context.span_id  # through the outbox and the relay


async def _count(engine, expected):
    async with engine.connect() as db:
        return await db.scalar(select(func.count()).select_from(inbox)) == expected
