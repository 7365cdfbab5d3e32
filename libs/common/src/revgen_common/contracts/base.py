"""What every message on Kafka is: a contract that knows its topic and its key rule.

A concrete contract is declared once, with its topic:

    class ClientCreated(ClientEvent, topic=IDENTITY_EVENTS):
        agency_id: str
        name: str

and registered by its class name, which is the envelope's `type`. Publishers pass the
contract itself (`uow.publish(ClientCreated(...))`); the envelope, its key and its topic
follow from the declaration. Consumers route by contract class and get the payload
validated into it before a handler runs.
"""
from __future__ import annotations

import sys
from typing import Any, ClassVar, TypeVar, overload

from pydantic import BaseModel, ConfigDict

from revgen_common.topics import TopicSpec


class UnknownMessageType(LookupError):
    pass


class Contract(BaseModel):
    """A payload. Unknown fields are tolerated, so producers can add fields before
    consumers upgrade. Abstract bases say `abstract=True`; every other subclass is
    registered under its class name and must name its topic (here or on a base)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    topic: ClassVar[TopicSpec]
    registry: ClassVar[dict[str, type[Contract]]] = {}

    def __init_subclass__(cls, *, topic: TopicSpec | None = None, abstract: bool = False, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if topic is not None:
            cls.topic = topic
        if abstract:
            return
        if not hasattr(cls, "topic"):
            raise TypeError(f"contract {cls.__name__} names no topic")
        if cls.__name__ in Contract.registry:
            raise TypeError(f"two contracts are named {cls.__name__}")
        Contract.registry[cls.__name__] = cls

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    @classmethod
    def producers(cls) -> tuple[str, ...]:
        """The services that publish it: its own `produced_by`, else its module's `PRODUCED_BY`."""
        own: tuple[str, ...] | None = getattr(cls, "produced_by", None)
        return own or tuple(getattr(sys.modules[cls.__module__], "PRODUCED_BY", ()))

    def key(self) -> str:
        """The Kafka key: what must stay in order (the topic's `key` says what it is)."""
        raise NotImplementedError(f"{type(self).__name__} has no key rule")

    def client(self) -> str | None:
        """The client the message concerns, if any (the envelope's `client_id`)."""
        return getattr(self, "client_id", None)


class Event(Contract, abstract=True):
    """Something that happened: named in the past tense (`ClientCreated`)."""


class Command(Contract, abstract=True):
    """A request to another service: named in the imperative (`SendMessage`)."""


C = TypeVar("C", bound="Contract")


@overload
def contract_for(message_type: str) -> type[Contract]: ...
@overload
def contract_for(message_type: str, kind: type[C]) -> type[C]: ...
def contract_for(message_type: str, kind: type[Contract] = Contract) -> type[Contract]:
    """The contract registered as `message_type`; with `kind`, one of that family (so that
    its fields are known), or UnknownMessageType."""
    try:
        contract = Contract.registry[message_type]
    except KeyError:
        raise UnknownMessageType(message_type) from None
    if not issubclass(contract, kind):
        raise UnknownMessageType(f"{message_type} is not a {kind.__name__}")
    return contract
