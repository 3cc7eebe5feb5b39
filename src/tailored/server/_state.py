"""What the app keeps for its lifetime: settings, the engine, the optional Redis client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy.engine import Engine
from starlette.requests import Request

from tailored.core import Settings
from tailored.storage import RedisClient

from ._ratelimit import RateLimiter


@dataclass
class AppState:
    """Held on ``app.state.tailored``."""

    settings: Settings
    engine: Engine
    redis: RedisClient | None
    rate_limiter: RateLimiter


def state_of(request: Request) -> AppState:
    """The :class:`AppState` of the app serving ``request``."""
    return cast(AppState, request.app.state.tailored)


def engine_of(request: Request) -> Engine:
    """The database engine."""
    return state_of(request).engine


def settings_of(request: Request) -> Settings:
    """The settings."""
    return state_of(request).settings
