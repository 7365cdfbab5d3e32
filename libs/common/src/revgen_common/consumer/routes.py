"""A consumer's routes: which handler applies which message contract."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from revgen_common.consumer.delivered import Delivered
from revgen_common.contracts import Contract
from revgen_common.handler_context import HandlerContext

Handler = Callable[[Delivered[Any], HandlerContext], Awaitable[None]]  # takes its message's Delivered[Contract]


Prepared = TypeVar("Prepared")


@dataclass(frozen=True)
class Staged(Generic[Prepared]):
    """`prepare(delivered)` runs outside the batch's transaction, concurrently with the rest
    of the batch (a provider's call); `apply(delivered, ctx, prepared)` then runs in it with
    what prepare returned."""
    prepare: Callable[[Delivered[Any]], Awaitable[Prepared]]
    apply: Callable[[Delivered[Any], HandlerContext, Prepared], Awaitable[None]] | None

    def __post_init__(self) -> None:
        if self.apply is None and type(self) is Staged:
            raise TypeError("Staged needs its apply; work that commits by itself is OwnTransactions(run)")


class OwnTransactions(Staged[object]):
    """`run(delivered)` does all the work in transactions of its own, outside the batch's (the
    sender records Twilio's answer the moment it has it). It must be safe to run twice by
    its own keys: the message is recorded in the inbox only after it returns."""

    def __init__(self, run: Callable[[Delivered[Any]], Awaitable[object]]):
        super().__init__(prepare=run, apply=None)


Handlers = Mapping[type[Contract], Handler | Staged[Any]]  # a consumer's routes, by message contract


def by_type(handlers: Handlers) -> dict[str, Handler | Staged[Any]]:
    """The handler table by message type. Keys are contract classes, so a typo fails here,
    at start-up, not as messages counted `ignored` in silence."""
    table: dict[str, Handler | Staged[Any]] = {}
    for contract, handler in handlers.items():
        if not (isinstance(contract, type) and issubclass(contract, Contract)) \
                or Contract.registry.get(contract.type_name()) is not contract:
            raise TypeError(f"a handler is keyed by {contract!r}, which is no registered message contract")
        table[contract.type_name()] = handler
    return table
