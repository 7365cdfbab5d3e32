"""What happens to an escalation nobody claims: each step once, in this order."""
from __future__ import annotations

from enum import IntEnum


class Step(IntEnum):
    NOTIFIED = 0  # the on-duty team was told
    RENOTIFIED = 1  # still unclaimed: told again
    OWNERS = 2  # escalated to the next tier: the client's owners
    EXPIRED = 3  # nobody came: closed and reported


OWNER_ROLES = ("client_owner",)
