"""Who is calling: the peer's address, or the address a trusted proxy says it forwarded."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import HTTPConnection


def client_address(request: HTTPConnection, trusted_proxies: Iterable[str]) -> str | None:
    """The peer's address, unless the peer is a trusted proxy (an address, or a network
    such as 10.0.0.0/8): then the last address in X-Forwarded-For that is not itself a
    trusted proxy. A spoofed header from anyone else is ignored."""
    peer = request.client.host if request.client else None
    trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def is_trusted(address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in trusted)

    try:
        if peer is None or not is_trusted(peer):
            return peer
    except ValueError:
        return peer  # not an IP (a test transport's name): nothing to trust
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            if not is_trusted(hop):
                return hop
        except ValueError:
            return peer
    return peer


__all__ = ["client_address"]
