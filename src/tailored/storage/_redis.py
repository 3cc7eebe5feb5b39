"""The Redis client: a shared cache and change notifications for scaled-out deployments.

Optional: a single process on SQLite needs no Redis. Keys are namespaced by a prefix so one
Redis can serve several deployments (and tests) without collisions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from tailored.core import ConfigurationError, TailoredError

if TYPE_CHECKING:
    import redis


class RedisUnavailable(TailoredError):
    """Redis could not be reached or answered with an error."""

    code = "redis_unavailable"
    status_code = 503


class RedisClient:
    """A namespaced Redis connection with JSON values and pub/sub.

    Args:
        url: ``redis://host:port/db`` (or ``rediss://`` for TLS).
        prefix: Prepended (with ``:``) to every key and channel.
    """

    def __init__(self, url: str, prefix: str = "tailored") -> None:
        try:
            import redis
        except ModuleNotFoundError as exc:
            raise ConfigurationError(
                "TAILORED_REDIS_URL is set but the redis package is missing: "
                "pip install 'tailored[redis]'"
            ) from exc
        self.prefix = prefix
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self._redis: redis.Redis = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )

    def key(self, *parts: str | int) -> str:
        """The namespaced key for ``parts``: ``prefix:part1:part2``."""
        return ":".join([self.prefix, *map(str, parts)])

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._redis, method)(*args, **kwargs)
        except self._errors as exc:
            raise RedisUnavailable(f"Redis {method} failed: {exc}") from exc

    def ping(self) -> bool:
        """Whether Redis answers."""
        try:
            return bool(self._redis.ping())
        except self._errors:
            return False

    def get_json(self, key: str) -> Any:
        """The JSON value at ``key`` (already namespaced), or ``None``."""
        raw = self._call("get", key)
        return None if raw is None else orjson.loads(raw)

    def set_json(self, key: str, value: Any, ttl_seconds: float | None = None) -> None:
        """Store ``value`` as JSON, expiring after ``ttl_seconds`` if given."""
        px = None if ttl_seconds is None else max(1, int(ttl_seconds * 1000))
        self._call("set", key, orjson.dumps(value), px=px)

    def delete(self, *keys: str) -> int:
        """Delete keys; return how many existed."""
        return int(self._call("delete", *keys)) if keys else 0

    def add_once(self, key: str, ttl_seconds: float) -> bool:
        """Set ``key`` only if absent (with a TTL); True if this call set it (a dedupe check)."""
        return bool(self._call("set", key, b"1", nx=True, px=max(1, int(ttl_seconds * 1000))))

    def publish(self, channel: str, message: Any) -> int:
        """Publish a JSON message on ``prefix:channel``; return the number of receivers."""
        return int(self._call("publish", self.key(channel), orjson.dumps(message)))

    def listen(self, channel: str, timeout: float = 1.0) -> Iterator[Any]:
        """Yield JSON messages published on ``prefix:channel``; ends when none comes in ``timeout``.

        Subscribes before the first ``next()`` returns, so a message published after the
        iterator has started is seen.
        """
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self.key(channel))
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                # None also comes back for the (ignored) subscribe confirmation.
                message = pubsub.get_message(timeout=left)
                if message is not None:
                    yield orjson.loads(message["data"])
                    deadline = time.monotonic() + timeout
        except self._errors as exc:
            raise RedisUnavailable(f"Redis subscribe failed: {exc}") from exc
        finally:
            pubsub.close()

    def delete_prefix(self) -> int:
        """Delete every key under this client's prefix (used on reset and in tests)."""
        keys = list(self._redis.scan_iter(match=f"{self.prefix}:*", count=1000))
        return self.delete(*keys)

    def close(self) -> None:
        """Close the connection pool."""
        self._redis.close()


def connect_redis(url: str, prefix: str = "tailored") -> RedisClient:
    """A :class:`RedisClient` that has answered a ping; :class:`RedisUnavailable` if not."""
    client = RedisClient(url, prefix)
    if not client.ping():
        client.close()
        raise RedisUnavailable(f"cannot reach Redis at {url}")
    return client
