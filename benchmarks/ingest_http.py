"""``ingest_http``: events/s through ``POST /v1/batch`` (batches of 100) on a real server.

The server is ``tailored serve`` in its own process on loopback; two client threads send
batches back to back, each waiting for its 200 (so every figure counts committed events).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import orjson

from tailored import storage

from . import Figure, figure
from ._databases import backends, scratch_database
from ._events import messages
from ._server import free_port, serve

BATCH = 100
CLIENTS = 2


def _one_run(backend: str, n: int) -> float:
    sample = messages(n)
    # Bodies are encoded before the clock starts: the figure is the server's, not the client's.
    batches = [orjson.dumps({"batch": sample[i : i + BATCH]}) for i in range(0, n, BATCH)]
    with scratch_database(backend) as settings:
        engine = storage.create_engine(settings)
        secret = settings.secret_key.get_secret_value()
        with engine.begin() as conn:
            key = storage.create_key(conn, 1, "write", "bench", secret).secret
        engine.dispose()
        port = free_port()
        server = serve(settings, port, TAILORED_INGEST_RATE_LIMIT="0")
        try:
            started = time.perf_counter()
            threads = [
                threading.Thread(target=_send, args=(port, key, batches[c::CLIENTS]))
                for c in range(CLIENTS)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(15)
    return n / elapsed


def _send(port: int, key: str, batches: list[bytes]) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for body in batches:
            answer = client.post("/v1/batch", content=body, headers=headers)
            answer.raise_for_status()


def run(quick: bool = False) -> Iterator[Figure]:
    """Median events/s per backend."""
    n, runs = (5_000, 2) if quick else (30_000, 3)
    for backend in backends():
        rates = [_one_run(backend, n) for _ in range(runs)]
        yield figure(
            "ingest_http",
            "events_per_second",
            round(statistics.median(rates)),
            "events/s",
            backend=backend,
            events=n,
            batch=BATCH,
            clients=CLIENTS,
            runs=runs,
        )
