"""Fault injection for provider fakes: an ASGI middleware that answers some requests with
the failures a real network and a real provider produce, so clients' retry and
idempotency logic is exercised against the exact failure, not a mock of it.

Modes (strings):
- "ok": pass through.
- "drop_response": the app handles the request (its side effects COMMIT), then the
  connection is cut after the status line, so the client sees a transport error and
  cannot know whether the request took effect.
- "429" (optionally "429:retry_after=2"), "500", "502", "503": answered here in the
  provider's error format, WITHOUT reaching the app.
- "hang": never reaches the app; waits until the client gives up and disconnects.
- "hang_after_commit": the app handles the request, then no response is sent until the
  client disconnects.
Requests under /_fake/ (the fakes' own control endpoints) are never faulted.
"""
from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

ADMIN_PREFIX = "/_fake/"
ERROR_STATUSES = {"429", "500", "502", "503"}
MODES = ERROR_STATUSES | {"ok", "drop_response", "hang", "hang_after_commit"}


def parse_mode(mode: str) -> tuple[str, dict[str, str]]:
    """"429:retry_after=2" -> ("429", {"retry_after": "2"})."""
    name, _, raw = mode.partition(":")
    params = dict(part.split("=", 1) for part in raw.split(",") if part)
    if name not in MODES:
        raise ValueError(f"unknown fault mode {mode!r}; expected one of {sorted(MODES)}")
    return name, params


@dataclass
class _Matcher:
    method: str | None
    path_prefix: str

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and path.startswith(self.path_prefix)


@dataclass
class _Scripted(_Matcher):
    mode: str = "ok"


@dataclass
class _Random(_Matcher):
    rate: float = 0.0
    mode: str = "ok"
    rng: random.Random = field(default_factory=random.Random)


class FaultInjector:
    def __init__(self, app, error_body: Callable[[int], tuple[dict, dict]], *, hang_cap_seconds: float = 60.0):
        self.app = app
        self.error_body = error_body
        # A cap so a client that never times out cannot keep a test server from shutting down.
        self.hang_cap_seconds = hang_cap_seconds
        self.injected: list[tuple[str, str, str]] = []
        self._scripted: list[_Scripted] = []
        self._random: list[_Random] = []

    def script(self, *modes: str, method: str | None = "POST", path_prefix: str = "") -> None:
        for mode in modes:
            parse_mode(mode)  # fail at scripting time, not in the middle of a request
            self._scripted.append(_Scripted(method, path_prefix, mode))

    def randomly(self, rate: float, mode: str, seed: int = 0, method: str | None = "POST",
                 path_prefix: str = "") -> None:
        parse_mode(mode)
        self._random.append(_Random(method, path_prefix, rate, mode, random.Random(seed)))

    def clear(self) -> None:
        self._scripted.clear()
        self._random.clear()

    def _choose(self, method: str, path: str) -> str:
        for index, entry in enumerate(self._scripted):
            if entry.matches(method, path):
                del self._scripted[index]
                return entry.mode
        for rule in self._random:
            # Roll only for matching requests, so a seed gives the same faults on every run.
            if rule.matches(method, path) and rule.rng.random() < rule.rate:
                return rule.mode
        return "ok"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        mode = self._choose(method, path)
        if mode == "ok":
            await self.app(scope, receive, send)
            return
        self.injected.append((method, path, mode))
        name, params = parse_mode(mode)
        if name in ERROR_STATUSES:
            await self._send_error(send, int(name), params)
        elif name == "hang":
            await self._hang(receive, send)
        elif name == "hang_after_commit":
            await self.app(scope, receive, _discard)
            await self._hang(receive, send)
        elif name == "drop_response":
            await self._drop_response(scope, receive, send)

    async def _send_error(self, send, status: int, params: dict[str, str]) -> None:
        body, extra_headers = self.error_body(status)
        headers = {"content-type": "application/json", **{k.lower(): v for k, v in extra_headers.items()}}
        if status == 429:
            headers["retry-after"] = params.get("retry_after", "1")
        raw = json.dumps(body).encode()
        headers["content-length"] = str(len(raw))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), str(v).encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": raw})

    async def _hang(self, receive, send) -> None:
        async def until_disconnect() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(until_disconnect(), self.hang_cap_seconds)
        except TimeoutError:
            await _cut_connection(send, status=504, headers=[], body_length=0)

    async def _drop_response(self, scope, receive, send) -> None:
        captured: list[dict] = []

        async def capture(message):
            captured.append(message)

        await self.app(scope, receive, capture)  # the request commits here
        start = next((m for m in captured if m["type"] == "http.response.start"), None)
        status = start["status"] if start else 200
        body_length = sum(len(m.get("body", b"")) for m in captured if m["type"] == "http.response.body")
        await _cut_connection(send, status, start["headers"] if start else [], body_length)


async def _cut_connection(send, status: int, headers: list, body_length: int) -> None:
    # Promise a body and never send it: the client can't mistake this for a complete (even
    # an empty) response. Returning without completing makes the server close the
    # connection (uvicorn logs "ASGI callable returned without completing response").
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(max(body_length, 1)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _discard(message) -> None:
    """The response of a request whose answer the fault withholds."""
