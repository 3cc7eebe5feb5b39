"""A killed server loses no answered decision: what was queued is applied after a restart (or
by the applier, if only the server died), and no helper process outlives it."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa

from tailored import decide, storage
from tests.fixtures.databases import SECRET, make_settings
from tests.fixtures.decide import configure_hero_test
from tests.fixtures.servers import free_port, start_server


def _gone(group: int) -> bool:
    """Whether every process of ``group`` exits within 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _decide_until_killed(port: int, key: str, kill: Callable[[], None]) -> list[str]:
    """Decide from a client thread; once 100 calls are answered, ``kill()``; return the
    decision ids of every answered call."""
    answered: list[str] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    answer = http.post(
                        "/v1/decide",
                        json={"userId": f"u{n}"},
                        headers={"Authorization": f"Bearer {key}"},
                    )
                except httpx.TransportError:
                    return
                if answer.status_code == 200:
                    answered.append(answer.json()["decisions"]["home_hero"]["decision_id"])

    thread = threading.Thread(target=client)
    thread.start()
    deadline = time.monotonic() + 30
    while len(answered) < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    kill()
    stop.set()
    thread.join()
    assert len(answered) >= 100
    return answered


def _logged(engine: sa.Engine, expected: list[str]) -> set[str]:
    """The decision ids logged, once all of ``expected`` are (or 30 s have passed)."""
    deadline = time.monotonic() + 30
    while True:
        with engine.connect() as conn:
            logged = set(conn.execute(sa.select(decide.decisions.c.id)).scalars())
        if set(expected) <= logged or time.monotonic() > deadline:
            return logged
        time.sleep(0.1)


@pytest.fixture
def configured(database_url):
    engine = storage.create_engine(make_settings(database_url))
    configure_hero_test(engine, 1)
    with engine.begin() as conn:
        key = storage.create_key(conn, 1, "server", "durability", SECRET).secret
    yield engine, key
    engine.dispose()


@pytest.mark.slow
def test_killing_the_server_and_its_helpers_loses_no_answered_decision(configured, database_url):
    engine, key = configured
    port = free_port()
    server = start_server(database_url, port, session=True)

    def kill_everything() -> None:  # as a crash of the machine would
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()

    answered = _decide_until_killed(port, key, kill_everything)
    server = start_server(database_url, port, session=True)  # applies what the crash left queued
    try:
        logged = _logged(engine, answered)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
    assert set(answered) <= logged, "an answered decision was lost"
    assert _gone(server.pid), "a helper process outlived the server"


@pytest.mark.slow
def test_when_only_the_server_dies_its_applier_finishes_and_exits(configured, database_url):
    engine, key = configured
    port = free_port()
    server = start_server(database_url, port, session=True)

    def kill_server() -> None:
        server.send_signal(signal.SIGKILL)
        server.wait()

    answered = _decide_until_killed(port, key, kill_server)
    assert set(answered) <= _logged(engine, answered), "an answered decision was lost"
    assert _gone(server.pid), "a helper process outlived the server"
