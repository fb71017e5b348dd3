"""Per-user token buckets: a burst of ``capacity`` events, refilled over ``window`` seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Decision:
    """Whether to handle an event, and whether to tell the user to slow down."""

    allowed: bool
    warn: bool = False


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: float | None = None


@dataclass
class RateLimiter:
    """``capacity`` events per ``window`` seconds per key; one warning per window when over."""

    capacity: int
    window: float
    clock: Callable[[], float] = time.monotonic
    # Past this many keys, buckets idle for a whole window (and so full again) are dropped.
    max_keys: int = 10_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def hit(self, key: str) -> Decision:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        rate = self.capacity / self.window
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Decision(allowed=True)
        if bucket.warned is not None and now - bucket.warned < self.window:
            return Decision(allowed=False)
        bucket.warned = now
        return Decision(allowed=False, warn=True)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, b in self._buckets.items() if now - b.updated >= self.window]
        for key in idle:
            del self._buckets[key]
