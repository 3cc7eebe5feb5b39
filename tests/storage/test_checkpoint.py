"""The WAL checkpointer: it moves committed pages into the database file, off the commits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tailored import storage
from tailored.server import create_app
from tests.fixtures.databases import make_settings
from tests.fixtures.servers import serve


def _write(engine: sa.Engine, kilobytes: int) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (body BLOB)")
        conn.exec_driver_sql(
            "INSERT INTO filler VALUES (?)", [(os.urandom(1024),) for _ in range(kilobytes)]
        )


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def test_commits_leave_the_log_to_the_checkpointer(sqlite_url):
    # Automatic checkpoints off: only the thread moves pages into the database file.
    engine = storage.create_engine(make_settings(sqlite_url, sqlite_wal_autocheckpoint=0))
    path = Path(engine.url.database or "")
    before = path.stat().st_size
    _write(engine, 2048)
    assert path.stat().st_size == before, "the commit wrote only the log"

    checkpointer = storage.Checkpointer(engine, interval=0.01).start()
    try:
        _wait_for(lambda: path.stat().st_size >= before + 2048 * 1024, "the checkpoint")
    finally:
        checkpointer.stop()
    assert checkpointer.runs >= 1
    done = storage.checkpoint(engine)
    assert not done.busy and done.checkpointed == done.log_pages, "nothing left to copy"
    engine.dispose()


def test_a_checkpoint_reports_the_log_and_what_it_copied(sqlite_url):
    engine = storage.create_engine(make_settings(sqlite_url, sqlite_wal_autocheckpoint=0))
    _write(engine, 256)
    done = storage.checkpoint(engine)
    assert done.log_pages >= 256 // 4 and done.checkpointed == done.log_pages
    engine.dispose()


def test_the_server_checkpoints_on_sqlite_while_it_runs(sqlite_url):
    app = create_app(make_settings(sqlite_url, sqlite_checkpoint_seconds=0.01))
    with serve(app) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        checkpointer = app.state.tailored.checkpointer
        assert checkpointer is not None
        _wait_for(lambda: checkpointer.runs >= 2, "two checkpoints")
    assert not checkpointer._thread.is_alive(), "stopped with the app"


def test_no_checkpointer_when_turned_off(sqlite_url):
    app = create_app(make_settings(sqlite_url, sqlite_checkpoint_seconds=0))
    with serve(app) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert app.state.tailored.checkpointer is None
