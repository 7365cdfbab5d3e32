"""What every page about one client shows around itself: the client, and what the person may
do there (their own role in it and their agency's), for its navigation and buttons."""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from gateway.entrypoints.admission import Caller
from gateway.entrypoints.dependencies import Gateway
from revgen_common.contracts.permissions import Permission


@dataclass(frozen=True)
class ClientContext:
    client: dict
    permissions: frozenset[str]

    def may(self, permission: Permission) -> bool:
        return permission.value in self.permissions


async def client_context(gw: Gateway, caller: Caller, client_id: uuid.UUID) -> ClientContext:
    client, me = await asyncio.gather(gw.identity.as_person(caller.token, "GET", f"/clients/{client_id}"),
                                      gw.identity.me(caller.token))
    return ClientContext(client, frozenset(permissions_on(me, client)))


def permissions_on(me: dict, client: dict) -> list[str]:
    """What the person may do on this client: their own role in it, and their agency's."""
    granted = set()
    for membership in me["clients"]:
        if membership["client_id"] == client["id"]:
            granted.update(membership["permissions"])
    for membership in me["agencies"]:
        if membership["agency_id"] == client["agency_id"]:
            granted.update(membership["permissions"])
    return sorted(granted)
