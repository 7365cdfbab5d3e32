"""The event envelope every message on Kafka carries.

Events are named in the past tense (`PaymentSucceeded`), commands in the imperative
(`SendMessage`). The id is a UUID; when the message stems from a provider's own id it
is derived from that id, so a duplicate that slips past one dedup layer is still caught
by the next (consumer inboxes key on `event_id`).
"""
from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from revgen_common.clock import system_clock
from revgen_common.contracts.base import C, Contract, contract_for

# Fixed namespace so the same provider id maps to the same event id in every process.
PROVIDER_ID_NAMESPACE = uuid.UUID("6f1c0c6e-6c0e-4b53-9d0e-2f7a5d0c9a11")


def event_id_from(source: str, *provider_ids: str) -> uuid.UUID:
    """Deterministic event id for a provider's id, e.g. ("stripe", "evt_123")."""
    if not provider_ids or any(not part for part in provider_ids):
        raise ValueError("a provider-derived event id needs non-empty provider ids")
    return uuid.uuid5(PROVIDER_ID_NAMESPACE, "\x1f".join((source, *provider_ids)))


class Envelope(BaseModel):
    # Unknown fields are tolerated so producers can add fields before consumers upgrade.
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=1)
    version: int = Field(default=1, ge=1)
    occurred_at: AwareDatetime = Field(default_factory=system_clock)  # producers with a clock pass theirs
    producer: str = Field(min_length=1)
    key: str = Field(min_length=1)
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None
    client_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @classmethod
    def of(cls, message: Contract, producer: str, *, event_id: uuid.UUID | None = None,
           occurred_at: datetime | None = None) -> "Envelope":
        """The envelope of a contract: its type, key and client follow from the contract;
        `event_id` is given when it must be the same on every try (derived from a provider id)."""
        return cls(event_id=event_id or uuid.uuid4(), type=message.type_name(), producer=producer, key=message.key(),
                   client_id=message.client(), occurred_at=occurred_at or system_clock(),
                   payload=message.model_dump(mode="json", by_alias=True))

    def contract(self) -> Contract:
        """The payload validated into its contract (pydantic's ValidationError if it does not fit;
        UnknownMessageType if no contract has this type)."""
        return self.contract_as(Contract)

    def contract_as(self, kind: builtins.type[C]) -> C:  # (`type` is a field here)
        """`contract()` for a handler that knows what it was given (UnknownMessageType if the
        message is not a `kind`), so that its fields are typed."""
        registered: builtins.type[C] = contract_for(self.type, kind)
        return registered.model_validate(self.payload)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)

    def caused(self, type: str, producer: str, payload: dict[str, Any], *, key: str | None = None,
               event_id: uuid.UUID | None = None) -> "Envelope":
        """A follow-up message that carries this one's correlation and names it as cause."""
        return Envelope(
            event_id=event_id or uuid.uuid4(),
            type=type,
            producer=producer,
            key=key or self.key,
            correlation_id=self.correlation_id or self.event_id,
            causation_id=self.event_id,
            client_id=self.client_id,
            payload=payload,
        )
