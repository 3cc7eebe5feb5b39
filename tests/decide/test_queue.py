"""Deferred exposures on SQLite: queued before the answer, applied after it, never lost."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections.abc import Iterator

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored import decide, events, storage
from tailored.decide import ExposureQueue, _applier, queue_path

from ..fixtures.databases import make_settings
from ..fixtures.decide import configure_hero_test
from .conftest import WS


@pytest.fixture
def file_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = storage.create_engine(make_settings(sqlite_url))
    configure_hero_test(engine, WS)
    yield engine
    engine.dispose()


def _queue(engine: Engine, **options: int) -> ExposureQueue:
    path = queue_path(engine)
    assert path is not None
    settings = make_settings(engine.url.render_as_string(hide_password=False))
    return ExposureQueue(settings, engine, path, **options)


def _queued(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM exposure_queue").fetchone()[0])


def _decided(engine: Engine, queue: ExposureQueue, users: list[str]) -> list[decide.DecideResult]:
    async def calls() -> list[decide.DecideResult]:
        requests = [decide.DecideRequest(user_id=u) for u in users]
        return await asyncio.gather(
            *(decide.decide_async(engine, WS, r, queue=queue) for r in requests)
        )

    return asyncio.run(calls())


def _decision_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(decide.decisions.c.id)).scalars())


def test_only_sqlite_files_have_a_queue(engine, sqlite_url):
    memory = storage.create_engine(make_settings("sqlite:///:memory:"))
    assert queue_path(memory) is None
    path = queue_path(storage.create_engine(make_settings(sqlite_url)))
    assert path is not None and path.endswith(".db-exposures")
    if not storage.is_sqlite(engine):
        assert queue_path(engine) is None


def test_answers_come_before_ingestion_and_everything_is_applied(file_engine):
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine)  # not started: nothing applies yet
    results = _decided(file_engine, queue, [f"user-{n}" for n in range(30)])
    assert _queued(path) == 30  # one row per call, all committed before the answers
    assert _decision_ids(file_engine) == []
    assert all(r.profile_id is None for r in results)  # first-time visitors: not yet known
    assert queue.apply_all() == 30
    ids = {r.decisions["home_hero"].decision_id for r in results}
    assert set(_decision_ids(file_engine)) == ids and _queued(path) == 0
    with file_engine.connect() as conn:
        assert events.count_events(conn, WS) == 30
        first = conn.execute(sa.select(sa.func.count()).select_from(decide.first_exposures))
        assert first.scalar() == 30
    queue.stop()


def test_exposures_left_by_a_crash_are_applied_at_the_next_start(file_engine):
    path = queue_path(file_engine)
    assert path is not None
    crashed = _queue(file_engine)
    results = _decided(file_engine, crashed, ["a", "b", "c"])
    del crashed  # the process died before its applier ran, its rows stay on disk
    assert _queued(path) == 3
    restarted = _queue(file_engine).start()
    assert restarted.wait_applied(timeout=30)
    restarted.stop()
    assert _queued(path) == 0
    assert set(_decision_ids(file_engine)) == {
        r.decisions["home_hero"].decision_id for r in results
    }


def test_applying_twice_stores_each_exposure_once(file_engine):
    """A crash between the ingest commit and the queue's delete applies rows again."""
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine)
    _decided(file_engine, queue, ["a", "b"])
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO exposure_queue (workspace_id, options, messages)"
            " SELECT workspace_id, options, messages FROM exposure_queue"
        )
    assert queue.apply_all() == 4
    assert len(_decision_ids(file_engine)) == 2
    with file_engine.connect() as conn:
        assert events.count_events(conn, WS) == 2
    queue.stop()


def test_a_running_queue_keeps_up_and_settles(file_engine):
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine, batch_calls=7, max_backlog=4).start()

    async def calls() -> int:
        requests = [decide.DecideRequest(user_id=f"u{n}") for n in range(60)]
        await asyncio.gather(
            *(decide.decide_async(file_engine, WS, r, queue=queue) for r in requests)
        )
        await queue.settle()
        return len(_decision_ids(file_engine))

    assert asyncio.run(calls()) == 60  # settle() waited for every call queued before it
    assert queue.applied_calls == 60
    queue.stop()


def test_stop_applies_what_is_still_queued(file_engine):
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine)
    _decided(file_engine, queue, ["a", "b"])
    queue.stop()
    assert _queued(path) == 0 and len(_decision_ids(file_engine)) == 2


def test_an_oversized_exposure_is_refused_in_the_answer(file_engine):
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine)
    request = decide.DecideRequest(user_id="big", context={"page": {"title": "x" * 5000}})

    async def call() -> decide.DecideResult:
        options = {"max_event_bytes": 1024}
        return await decide.decide_async(
            file_engine, WS, request, ingest_options=options, queue=queue
        )

    result = asyncio.run(call())
    assert result.errors and result.errors[0]["loc"] == "context"
    assert result.errors[0]["message"] == "event too large"  # as when ingested at once
    assert _queued(path) == 0  # its only exposure was refused: nothing to queue
    queue.stop()


def test_exposures_that_fit_are_queued_when_their_row_is_over_the_limit(file_engine):
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine)
    request = decide.DecideRequest(user_id="edge", context={"page": {"title": "x" * 500}})

    def call(limit: int) -> decide.DecideResult:
        options = {"max_event_bytes": limit}
        return asyncio.run(
            decide.decide_async(file_engine, WS, request, ingest_options=options, queue=queue)
        )

    assert not call(1_000_000).errors
    with sqlite3.connect(path) as conn:
        (row,) = conn.execute("SELECT messages FROM exposure_queue").fetchone()
    largest = max(len(orjson.dumps(m)) for m in _applier.decode(row))
    assert len(row) > largest  # the row holds more than its largest message
    assert not call(largest).errors  # each message is checked on its own
    assert _queued(path) == 2
    queue.stop()


def test_a_failing_apply_keeps_the_rows_and_retries(file_engine, monkeypatch):
    path = queue_path(file_engine)
    assert path is not None
    queue = _queue(file_engine)
    _decided(file_engine, queue, ["a"])

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr("tailored.decide._applier.events.ingest", broken)
    with pytest.raises(sa.exc.OperationalError):
        queue.apply_batch()
    assert _queued(path) == 1
    monkeypatch.undo()
    assert queue.apply_all() == 1 and _queued(path) == 0
    queue.stop()


def test_an_applier_that_dies_is_replaced_and_stop_ends_it(file_engine):
    queue = _queue(file_engine).start()
    _decided(file_engine, queue, ["a", "b"])
    assert queue.wait_applied(timeout=60)
    first = queue.applier_pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    _decided(file_engine, queue, ["c", "d"])
    assert queue.wait_applied(timeout=60)  # by a new applier
    assert queue.applier_pid not in (None, first)
    assert len(_decision_ids(file_engine)) == 4
    process = queue._process
    queue.stop()
    assert process is not None and not process.is_alive() and process.exitcode == 0


def test_a_row_writes_the_shared_context_once():
    context = {"page": {"url": "https://shop.example/"}, "locale": "fr-FR"}
    messages = [
        {"messageId": f"dec_{n}", "properties": {"n": n}, "context": context} for n in range(3)
    ]
    row = _applier.encode(messages)
    assert row.count(b"shop.example") == 1
    decoded = _applier.decode(row)
    assert decoded == messages
    assert all(m["context"] is decoded[0]["context"] for m in decoded)  # parsed once
    # A row written with every context in full reads the same.
    assert _applier.decode(orjson.dumps(messages)) == messages
