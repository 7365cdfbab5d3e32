"""Everything the OpenAI fake knows, and the knobs and accessors tests use."""
from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from revgen_fakes.openai.completions import echo_reply
from revgen_fakes.request_log import RequestLog

Responder = Callable[[list[dict]], "str | Awaitable[str]"]


@dataclass(eq=False)
class CompletionRequest:
    """One chat completion the fake handled, from arrival to answer."""
    started_at: float  # time.monotonic()
    api_key: str
    body: dict
    headers: dict[str, str]
    finished_at: float | None = None  # None while in flight, or if the client went away
    reply: str | None = None

    @property
    def model(self) -> str:
        return self.body["model"]

    @property
    def messages(self) -> list[dict]:
        return self.body["messages"]

    @property
    def user(self) -> str | None:
        """Who the caller said the end user is: `safety_identifier`, which replaces the
        deprecated `user`, or `user`."""
        return self.body.get("safety_identifier") or self.body.get("user")


@dataclass(eq=False, kw_only=True)
class OpenAIState:
    api_keys: set[str] = field(default_factory=lambda: {"sk-test"})
    latency: float = 0.0  # seconds each completion takes
    responder: Responder = echo_reply  # messages -> reply text (may be async)
    # OpenAI's own clock (a completion's `created`): tests share theirs with the code under test.
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    completions: list[CompletionRequest] = field(default_factory=list)  # in arrival order
    requests: RequestLog = field(default_factory=RequestLog)  # every request that reached the port

    def count_by(self, key: Callable[[CompletionRequest], object] = lambda r: r.user) -> Counter:
        """Completions per client, by `user` unless `key` says otherwise (e.g. a header:
        `lambda r: r.headers.get("x-tenant")`)."""
        return Counter(key(r) for r in self.completions)

    def max_in_flight(self, where: Callable[[CompletionRequest], bool] = lambda r: True) -> int:
        """The most completions (matching `where`) handled at the same moment."""
        edges = []
        for r in filter(where, self.completions):
            edges += [(r.started_at, 1), (r.finished_at if r.finished_at is not None else float("inf"), -1)]
        in_flight = peak = 0
        for _, change in sorted(edges, key=lambda e: (e[0], e[1])):  # ends before starts at a tie
            in_flight += change
            peak = max(peak, in_flight)
        return peak
