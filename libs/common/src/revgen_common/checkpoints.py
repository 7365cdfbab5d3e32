"""Named points of the commit protocols (consumer, relay, Kafka stage).

Production passes nothing; crash tests pass a callback that SIGKILLs the process at a
chosen point, which is how they prove no point loses or doubles work.
"""
from collections.abc import Callable

Checkpoint = Callable[[str], None]


def no_checkpoint(_: str) -> None:
    return None
