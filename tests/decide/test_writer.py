"""Group commit: concurrent decide calls share transactions and every exposure lands once."""

from __future__ import annotations

import asyncio
import threading

import sqlalchemy as sa

from tailored import decide
from tailored.decide._writer import exposure_writer

from .conftest import WS

HERO = {"key": "home_hero", "default": {"headline": "Welcome"}}
EXPERIENCE = {"key": "hero", "placement": "home_hero", "variants": [{"key": "all"}]}


def test_concurrent_calls_share_commits_and_lose_nothing(engine, configure):
    configure(placement=[HERO], experience=[EXPERIENCE])
    results: list[decide.DecideResult] = []
    lock = threading.Lock()

    def call(n: int) -> None:
        for i in range(10):
            request = decide.DecideRequest(user_id=f"user-{n}-{i}")
            result = decide.decide(engine, WS, request)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {r.decisions["home_hero"].decision_id for r in results}
    with engine.connect() as conn:
        stored = set(conn.execute(sa.select(decide.decisions.c.id)).scalars())
    assert len(ids) == 80 and stored == ids
    assert all(r.profile_id for r in results)
    writer = exposure_writer(engine, WS, {})
    assert writer.commits <= 80


def test_a_failed_commit_reaches_every_caller(engine, monkeypatch):
    writer = exposure_writer(engine, WS, {})

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tailored.decide._writer.events.ingest", broken)
    message = {"type": "track", "userId": "u", "event": "Experience Viewed"}
    try:
        writer.write([message])
    except RuntimeError as exc:
        assert str(exc) == "disk full"
    else:
        raise AssertionError("the error was swallowed")
    monkeypatch.undo()
    assert writer.write([message]).accepted == 1


def test_calls_on_an_event_loop_share_commits_and_lose_nothing(engine, configure):
    configure(placement=[HERO], experience=[EXPERIENCE])

    async def calls() -> list[decide.DecideResult]:
        requests = [decide.DecideRequest(user_id=f"loop-{n}") for n in range(40)]
        return await asyncio.gather(*(decide.decide_async(engine, WS, r) for r in requests))

    results = asyncio.run(calls())
    ids = {r.decisions["home_hero"].decision_id for r in results}
    with engine.connect() as conn:
        stored = set(conn.execute(sa.select(decide.decisions.c.id)).scalars())
    assert len(ids) == 40 and stored == ids
    assert all(r.profile_id for r in results)
    assert exposure_writer(engine, WS, {}).commits < 40


def test_a_failed_commit_reaches_every_waiting_coroutine(engine, monkeypatch):
    writer = exposure_writer(engine, WS, {})
    message = {"type": "track", "userId": "u", "event": "Experience Viewed"}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    async def calls() -> list[object]:
        writes = (writer.write_async([dict(message, messageId=f"m{n}")]) for n in range(5))
        return await asyncio.gather(*writes, return_exceptions=True)

    monkeypatch.setattr("tailored.decide._writer.events.ingest", broken)
    outcomes = asyncio.run(calls())
    assert [str(o) for o in outcomes] == ["disk full"] * 5
    monkeypatch.undo()
    assert [o.accepted for o in asyncio.run(calls())] == [1] * 5  # type: ignore[attr-defined]
