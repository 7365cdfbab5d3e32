"""HTTP/1.1 by hand, to see what a client library would hide: whether the server keeps a
keep-alive connection open after answering a bad request."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


async def on_one_connection(port: int, requests: list[Sent]) -> list[int]:
    """The statuses of `requests` sent one after the other on ONE connection; raises if the
    server closed it before answering them all."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    statuses = []
    try:
        for request in requests:
            head = [f"{request.method} {request.path} HTTP/1.1", "Host: 127.0.0.1",
                    "Content-Type: application/json", f"Content-Length: {len(request.body)}",
                    *(f"{k}: {v}" for k, v in request.headers)]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + request.body)
            await writer.drain()
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = re.search(rb"(?i)content-length: *(\d+)", answer)
            await reader.readexactly(int(length.group(1)) if length else 0)
            statuses.append(int(answer.split()[1]))
    finally:
        writer.close()
    return statuses
