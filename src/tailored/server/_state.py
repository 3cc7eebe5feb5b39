"""What the app keeps for its lifetime: settings, the engine, the optional Redis client."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy.engine import Engine
from starlette.requests import Request

from tailored.core import Settings
from tailored.decide import ExposureQueue
from tailored.storage import ApiKey, Checkpointer, RedisClient

from ._ratelimit import RateLimiter


@dataclass
class AppState:
    """Held on ``app.state.tailored``."""

    settings: Settings
    engine: Engine
    redis: RedisClient | None
    rate_limiter: RateLimiter
    keys: KeyCache = field(default_factory=lambda: KeyCache())
    checkpointer: Checkpointer | None = None
    """On SQLite, the thread checkpointing the WAL while the app runs."""
    exposures: ExposureQueue | None = None
    """On a SQLite file, the queue of decide calls' exposures and the process applying it."""


class KeyCache:
    """API keys found recently, by the hash of their secret, so that a busy client does not
    cost a database read per request. Entries live :attr:`ttl` seconds; a key revoked through
    this process is forgotten at once, one revoked elsewhere stops working within ``ttl``.
    Unknown keys are never cached."""

    ttl = 2.0

    def __init__(self) -> None:
        self._keys: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> ApiKey | None:
        """The cached key, if fetched less than ``ttl`` seconds ago."""
        found = self._keys.get(key_hash)
        if found is None or time.monotonic() - found[0] > self.ttl:
            return None
        return found[1]

    def put(self, key_hash: str, key: ApiKey) -> None:
        """Remember a key just read from the database."""
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[key_hash] = (time.monotonic(), key)

    def forget(self, key_id: str) -> None:
        """Drop a key (after revoking it)."""
        with self._lock:
            self._keys = {h: e for h, e in self._keys.items() if e[1].id != key_id}


def state_of(request: Request) -> AppState:
    """The :class:`AppState` of the app serving ``request``."""
    return cast(AppState, request.app.state.tailored)


def engine_of(request: Request) -> Engine:
    """The database engine."""
    return state_of(request).engine


async def settled_exposures(request: Request) -> None:
    """Wait until the exposures this process has queued are applied: a dependency of every
    route that reads what exposures produce (the decision log, profiles, events)."""
    queue = state_of(request).exposures
    if queue is not None:
        await queue.settle()


def settings_of(request: Request) -> Settings:
    """The settings."""
    return state_of(request).settings
