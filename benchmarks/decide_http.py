"""``decide_http``: ``POST /v1/decide`` on a real server, against a bare JSON endpoint.

``tailored serve`` (one process) runs on the decide benchmark's workspace (20 segments, 10
experiences, 10 flags, a demo shop's people). Client threads on keep-alive connections send
requests back to back for a fixed time:

- ``bare_rps``: ``GET /healthz``, a JSON answer with no work behind it: the stack's ceiling.
- ``decide_rps`` (exposures logged) and ``decide_dry_run_rps``; ``ratio`` is ``decide_rps``
  over ``bare_rps``. Goal: ratio >= 0.5. Where the server queues exposures and applies them
  after the answer (SQLite), ``decide_answered_rps`` is the rate of answers, ``drain_seconds``
  the time it then takes to apply what is still queued (a profile read waits for it), and
  ``decide_rps`` counts that time too: the rate the server sustains.
- ``latency_p50`` / ``latency_p99`` of logged decide calls sent at a fixed rate (half the
  measured throughput), each timed from its scheduled start so queueing counts.
"""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson

from tailored import storage

from . import Figure, figure
from ._databases import backends, scratch_database
from ._server import free_port, serve
from ._workspace import CONTEXTS, build_workspace

CLIENTS = 8


class _Client:
    def __init__(self, port: int, key: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: bytes | None) -> None:
        self.conn.request(method, path, body=body, headers=self.headers)
        answer = self.conn.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{method} {path} answered {answer.status}")


def _bodies(users: list[str], dry_run: bool) -> list[bytes]:
    rng = random.Random(3)
    return [
        orjson.dumps({"userId": rng.choice(users), "context": rng.choice(CONTEXTS),
                      "dry_run": dry_run})
        for _ in range(2000)
    ]  # fmt: skip


def _throughput(port: int, key: str, method: str, path: str, bodies: list[bytes] | None,
                seconds: float) -> float:  # fmt: skip
    counts = [0] * CLIENTS
    stop = time.perf_counter() + seconds

    def work(n: int) -> None:
        client = _Client(port, key)
        i = n
        while time.perf_counter() < stop:
            client.call(method, path, None if bodies is None else bodies[i % len(bodies)])
            counts[n] += 1
            i += CLIENTS

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


def _drain_seconds(port: int, key: str, user: str) -> float:
    """How long the server takes to apply the exposures still queued (a profile read waits
    for them)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", f"/v1/profiles/{user}", headers={"Authorization": f"Bearer {key}"})
    conn.getresponse().read()
    return time.perf_counter() - started


def _latencies(
    port: int, key: str, bodies: list[bytes], rate: float, seconds: float
) -> list[float]:
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    timings: list[float] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        client = _Client(port, key)
        for i in range(n, total, CLIENTS):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            client.call("POST", "/v1/decide", bodies[i % len(bodies)])
            with lock:
                timings.append((time.perf_counter() - due) * 1000)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timings.sort()
    return timings


def _backend(backend: str, visitors: int, seconds: float) -> Iterator[Figure]:
    with scratch_database(backend) as settings:
        engine = storage.create_engine(settings)
        users = build_workspace(engine, visitors)
        secret = settings.secret_key.get_secret_value()
        with engine.begin() as conn:
            key = storage.create_key(conn, 1, "server", "bench", secret).secret
        engine.dispose()
        port = free_port()
        server = serve(settings, port)
        try:
            logged, dry = _bodies(users, False), _bodies(users, True)
            _throughput(port, key, "POST", "/v1/decide", dry, 1.0)  # warm up
            bare = _throughput(port, key, "GET", "/healthz", None, seconds)
            answered_rps = _throughput(port, key, "POST", "/v1/decide", logged, seconds)
            drain = _drain_seconds(port, key, users[0])
            decide_rps = answered_rps * seconds / (seconds + drain)
            dry_rps = _throughput(port, key, "POST", "/v1/decide", dry, seconds)
            rate = max(1.0, decide_rps / 2)
            timings = _latencies(port, key, logged, rate, seconds)
        finally:
            server.terminate()
            server.wait(15)
    params: dict[str, Any] = {"backend": backend, "clients": CLIENTS, "seconds": seconds,
                              "profiles": len(users)}  # fmt: skip
    yield figure("decide_http", "bare_rps", round(bare), "req/s", **params)
    yield figure("decide_http", "decide_answered_rps", round(answered_rps), "req/s", **params)
    yield figure("decide_http", "drain_seconds", round(drain, 3), "s", **params)
    yield figure("decide_http", "decide_rps", round(decide_rps), "req/s", **params)
    yield figure("decide_http", "decide_dry_run_rps", round(dry_rps), "req/s", **params)
    yield figure("decide_http", "ratio", round(decide_rps / bare, 3), "x", **params)
    yield figure("decide_http", "dry_run_ratio", round(dry_rps / bare, 3), "x", **params)
    for label, q in (("p50", 0.5), ("p99", 0.99)):
        value = timings[min(len(timings) - 1, int(q * len(timings)))]
        mean = round(statistics.mean(timings), 2)
        yield figure("decide_http", f"latency_{label}", round(value, 2), "ms",
                     rate=round(rate), mean=mean, **params)  # fmt: skip


def run(quick: bool = False) -> Iterator[Figure]:
    """Throughputs, their ratio, and latency at a fixed rate, per backend."""
    visitors, seconds = (300, 3.0) if quick else (1500, 10.0)
    for backend in backends():
        yield from _backend(backend, visitors, seconds)
