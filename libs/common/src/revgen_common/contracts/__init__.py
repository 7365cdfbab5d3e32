"""Every message on Kafka, declared once with its topic, key rule and payload schema.

One module per producer (`webhooks` for ingress, `identity`, `messaging`, `escalation`,
`billing`, `voice`, `reputation`), `commands` for requests between services and `dead_letters` for what
every consumer gives up on. A message's type is its class
name; `contract_for(type)` finds the class. `python -m revgen_common.contracts` prints the
AsyncAPI document (docs/asyncapi.json): every topic, its producers, consumers and schemas.
"""
from typing import Any

from revgen_common.contracts import billing, commands, dead_letters, escalation, identity, messaging, reputation, voice, webhooks
from revgen_common.contracts.base import Command, Contract, Event, UnknownMessageType, contract_for

CONTRACTS: dict[str, type[Contract]] = Contract.registry


def parse_payload(message_type: str, payload: dict[str, Any]) -> Contract:
    """The payload validated into its contract (pydantic's ValidationError if it does not fit)."""
    return contract_for(message_type).model_validate(payload)


def json_schemas() -> dict[str, dict[str, Any]]:
    return {name: model.model_json_schema(by_alias=True) for name, model in sorted(CONTRACTS.items())}


__all__ = ["CONTRACTS", "Command", "Contract", "Event", "UnknownMessageType", "billing", "commands", "contract_for",
           "dead_letters", "escalation", "identity", "json_schemas", "messaging", "parse_payload", "reputation", "voice",
           "webhooks"]
