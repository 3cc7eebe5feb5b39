"""``storage.sqlite_reader``: a read connection of each thread's own, on SQLite files only."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tailored import storage
from tests.fixtures.databases import make_settings


def test_a_thread_keeps_its_reader_and_another_thread_gets_its_own(tmp_path):
    engine = storage.create_engine(make_settings(f"sqlite:///{tmp_path / 'a.db'}"))
    other = storage.create_engine(make_settings(f"sqlite:///{tmp_path / 'b.db'}"))
    mine = storage.sqlite_reader(engine)
    assert mine is not None and storage.sqlite_reader(engine) is mine
    assert storage.sqlite_reader(other) not in (None, mine)
    theirs: list[sqlite3.Connection | None] = []
    thread = threading.Thread(target=lambda: theirs.append(storage.sqlite_reader(engine)))
    thread.start()
    thread.join()
    assert theirs[0] is not None and theirs[0] is not mine


def test_it_sees_each_commit_and_refuses_to_write(tmp_path):
    engine = storage.create_engine(make_settings(f"sqlite:///{tmp_path / 'a.db'}"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    reader = storage.sqlite_reader(engine)
    assert reader is not None
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)  # no snapshot kept
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.execute("INSERT INTO t VALUES (2)")


def test_memory_databases_and_other_backends_have_none(tmp_path):
    assert storage.sqlite_reader(storage.create_engine(make_settings("sqlite://"))) is None
    memory = storage.create_engine(make_settings("sqlite:///:memory:"))
    assert storage.sqlite_reader(memory) is None
    postgres = storage.create_engine(make_settings("postgresql+psycopg://nobody@127.0.0.1/none"))
    assert storage.sqlite_reader(postgres) is None
