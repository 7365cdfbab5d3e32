"""A provider's rate limit as the fakes enforce it: at most `per_second` accepted requests in
any one-second window per key; the rest are refused (the caller was too fast)."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass, field


@dataclass
class SlidingLimit:
    per_second: float | None = None  # None: no limit
    refused: int = 0
    _seen: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def allows(self, key: str) -> bool:
        if self.per_second is None:
            return True
        now, window = time.monotonic(), self._seen[key]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.per_second:
            self.refused += 1
            return False
        window.append(now)
        return True
