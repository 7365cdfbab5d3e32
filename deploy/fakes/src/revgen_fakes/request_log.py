"""Every HTTP request that reached the fake's port, with its arrival time, including the
ones a fault answered before the app saw them: rate-limit and back-off assertions are
about what the client sent, not about what the fake chose to process."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from revgen_fakes.faults import FaultInjector

_RECORDED = "revgen_fakes.recorded"


@dataclass
class RecordedRequest:
    at: float  # time.monotonic() on arrival
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int | None = None  # status line sent, if any (a cut connection may still send one)


@dataclass
class RequestLog:
    entries: list[RecordedRequest] = field(default_factory=list)

    def matching(self, method: str | None = None, path_prefix: str = "") -> list[RecordedRequest]:
        return [r for r in self.entries
                if (method is None or r.method == method.upper()) and r.path.startswith(path_prefix)]

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        return len(self.matching(method, path_prefix))

    def times(self, method: str | None = None, path_prefix: str = "") -> list[float]:
        return [r.at for r in self.matching(method, path_prefix)]

    def max_in_window(self, seconds: float, method: str | None = None, path_prefix: str = "") -> int:
        """The most requests that arrived within any `seconds`-long window."""
        times = sorted(self.times(method, path_prefix))
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] > seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def clear(self) -> None:
        self.entries.clear()


class RecordRequests:
    """ASGI middleware that logs each HTTP request once, however many recording layers it
    passes (the app records when it runs bare; a fault injector in front records first)."""

    def __init__(self, app, log: RequestLog):
        self.app = app
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get(_RECORDED):
            await self.app(scope, receive, send)
            return
        scope[_RECORDED] = True
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        entry = RecordedRequest(time.monotonic(), scope["method"], scope["path"],
                                scope.get("query_string", b"").decode("latin-1"), headers)
        self.log.entries.append(entry)

        async def send_noting_status(message):
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            await send(message)

        await self.app(scope, receive, send_noting_status)


class RecordingFaultInjector(FaultInjector):
    """A FaultInjector that logs requests before choosing a fault for them."""

    def __init__(self, app, error_body, log: RequestLog, **options):
        super().__init__(app, error_body, **options)
        self._recorded_call = RecordRequests(super().__call__, log)

    async def __call__(self, scope, receive, send):
        await self._recorded_call(scope, receive, send)
