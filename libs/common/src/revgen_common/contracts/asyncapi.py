"""The AsyncAPI 3.0 document of every topic: who publishes each message, who consumes it,
its key rule and payload schema, all read from the contracts and the consumer groups, so
it cannot say what the code does not do. docs/asyncapi.json is this document; a test fails
when they differ (`./dev asyncapi` writes it again)."""
from __future__ import annotations

from typing import Any

from revgen_common.contracts.base import Contract
from revgen_common.topics import ALL_TOPICS, CONSUMER_GROUPS, TopicSpec


def _ours(contract: type[Contract]) -> bool:
    return contract.__module__.startswith("revgen_common.contracts.")


def contracts_on(topic: TopicSpec) -> list[type[Contract]]:
    return sorted((c for c in Contract.registry.values() if _ours(c) and c.topic is topic), key=lambda c: c.type_name())


def _message(contract: type[Contract]) -> dict[str, Any]:
    name = contract.type_name()
    return {
        "name": name,
        "summary": (contract.__doc__ or "").strip().split("\n\n")[0] or name,
        "payload": contract.model_json_schema(by_alias=True),
        "x-producers": list(contract.producers()),
        "x-consumer-groups": [g.name for g in CONSUMER_GROUPS if name in g.handles],
    }


def document() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        on_topic = contracts_on(topic)
        channels[topic.name] = {
            "address": topic.name,
            "description": f"Kafka topic, {topic.partitions} partitions, keyed by {topic.key}.",
            "messages": {c.type_name(): {"$ref": f"#/components/messages/{c.type_name()}"} for c in on_topic},
        }
        for contract in on_topic:
            messages[contract.type_name()] = _message(contract)
        for service in sorted({p for c in on_topic for p in c.producers()}):
            operations[f"{service}-sends-{topic.name}"] = {
                "action": "send", "channel": {"$ref": f"#/channels/{topic.name}"},
                "messages": [{"$ref": f"#/channels/{topic.name}/messages/{c.type_name()}"}
                             for c in on_topic if service in c.producers()]}
    for group in CONSUMER_GROUPS:
        for topic in group.topics:
            operations[f"{group.name}-receives-{topic.name}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{topic.name}"},
                "description": f"consumer group {group.name} ({group.service}'s database holds its inbox)",
                "messages": [{"$ref": f"#/channels/{topic.name}/messages/{c.type_name()}"}
                             for c in contracts_on(topic) if c.type_name() in group.handles]}
    return {"asyncapi": "3.0.0",
            "info": {"title": "RevGen events and commands", "version": "1",
                     "description": "Every Kafka topic of RevGen, generated from revgen_common.contracts."},
            "channels": channels, "operations": operations, "components": {"messages": messages}}
