from __future__ import annotations

import threading
import time

import pytest

from tailored import storage

pytestmark = pytest.mark.redis


def test_json_values_round_trip_and_expire(redis_client):
    key = redis_client.key("profile", 42)
    assert key.endswith(":profile:42")
    redis_client.set_json(key, {"a": [1, 2.5, "x"], "b": None})
    assert redis_client.get_json(key) == {"a": [1, 2.5, "x"], "b": None}
    redis_client.set_json(key, 1, ttl_seconds=0.05)
    time.sleep(0.15)
    assert redis_client.get_json(key) is None


def test_add_once_is_a_dedupe_window(redis_client):
    key = redis_client.key("seen", "m1")
    assert redis_client.add_once(key, 10) is True
    assert redis_client.add_once(key, 10) is False
    assert redis_client.delete(key) == 1


def test_prefixes_isolate_clients(redis_client, redis_url):
    other = storage.connect_redis(redis_url, prefix=redis_client.prefix + "-other")
    redis_client.set_json(redis_client.key("k"), 1)
    assert other.get_json(other.key("k")) is None
    other.delete_prefix()
    assert redis_client.get_json(redis_client.key("k")) == 1
    other.close()


def test_publish_reaches_a_subscriber(redis_client):
    received = []
    listening = threading.Event()

    def listen():
        messages = redis_client.listen("config", timeout=0.2)
        listening.set()
        received.extend(messages)

    thread = threading.Thread(target=listen)
    thread.start()
    listening.wait()
    deadline = time.monotonic() + 5
    while redis_client.publish("config", {"changed": "segments"}) == 0:
        assert time.monotonic() < deadline, "subscriber never appeared"
        time.sleep(0.01)
    thread.join()
    assert {"changed": "segments"} in received


def test_unreachable_redis_is_a_clear_error():
    with pytest.raises(
        storage.RedisUnavailable, match=r"cannot reach Redis at redis://127\.0\.0\.1:1"
    ):
        storage.connect_redis("redis://127.0.0.1:1/0")
    client = storage.RedisClient("redis://127.0.0.1:1/0")
    with pytest.raises(storage.RedisUnavailable, match="Redis get failed"):
        client.get_json("x")
