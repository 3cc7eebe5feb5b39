"""Per-key token buckets, in this process (each server process limits on its own)."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """Allows ``rate`` requests per second per key, with bursts up to twice that.

    A ``rate`` of 0 turns limiting off.
    """

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.burst = max(1.0, 2 * rate)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, now: float | None = None) -> int:
        """Take one token for ``key``; return 0, or the seconds to wait when none is left."""
        if self.rate <= 0:
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
