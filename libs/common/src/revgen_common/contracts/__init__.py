"""Schemas of every event and command payload, in one place.

`CONTRACTS` maps a message type to its payload model; `json_schemas()` exports them all
(see `python -m revgen_common.contracts`). Services add their types here as they are built.
"""
from revgen_common.contracts.commands import COMMANDS
from revgen_common.contracts.events import EVENTS
from revgen_common.contracts.registry import UnknownMessageType, json_schemas, parse_payload

CONTRACTS = {**EVENTS, **COMMANDS}

__all__ = ["CONTRACTS", "COMMANDS", "EVENTS", "UnknownMessageType", "json_schemas", "parse_payload"]
