from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """Base of every payload: unknown fields tolerated, so versions can roll forward."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class UnknownMessageType(LookupError):
    pass


def parse_payload(message_type: str, payload: dict[str, Any]) -> Contract:
    from revgen_common.contracts import CONTRACTS

    try:
        model = CONTRACTS[message_type]
    except KeyError:
        raise UnknownMessageType(message_type) from None
    return model.model_validate(payload)


def json_schemas() -> dict[str, dict[str, Any]]:
    from revgen_common.contracts import CONTRACTS

    return {name: model.model_json_schema() for name, model in sorted(CONTRACTS.items())}
