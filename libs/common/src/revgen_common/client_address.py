"""Who is calling: the peer's address, or the address a trusted proxy says it forwarded."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.requests import HTTPConnection


def client_address(request: HTTPConnection, trusted_proxies: Iterable[str]) -> str | None:
    """The peer's address, unless the peer is a trusted proxy: then the last address in
    X-Forwarded-For that is not itself a trusted proxy. A spoofed header from anyone
    else is ignored."""
    peer = request.client.host if request.client else None
    trusted = {ipaddress.ip_address(p) for p in trusted_proxies}
    try:
        if peer is None or ipaddress.ip_address(peer) not in trusted:
            return peer
    except ValueError:
        return peer  # not an IP (a test transport's name): nothing to trust
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            if ipaddress.ip_address(hop) not in trusted:
                return hop
        except ValueError:
            return peer
    return peer


__all__ = ["client_address"]
