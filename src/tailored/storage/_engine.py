"""Creating engines: SQLite tuned for an embedded server, PostgreSQL through psycopg 3."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from tailored.core import ConfigurationError, Settings


def _json_serializer(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def create_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database_url``.

    SQLite is opened in WAL mode with foreign keys on and a busy timeout; transactions begin
    DEFERRED unless a connection asks for ``execution_options(sqlite_begin="IMMEDIATE")``
    (see :func:`write_transaction`), which takes the write lock up front and so never fails on
    a lock upgrade.
    """
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings)
    try:
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            json_serializer=_json_serializer,
            json_deserializer=orjson.loads,
        )
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"TAILORED_DATABASE_URL needs the '{exc.name}' driver: "
            "install tailored with the postgres extra (pip install 'tailored[postgres]')"
        ) from exc


def _database_file(url: sa.URL) -> str | None:
    """The file a SQLite URL's database lives in; None for a memory database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return database


def sqlite_file(engine: Engine) -> str | None:
    """The file the engine's SQLite database lives in; None for memory databases and other
    backends."""
    return _database_file(engine.url) if engine.dialect.name == "sqlite" else None


def _sqlite_engine(url: sa.URL, settings: Settings) -> Engine:
    database = _database_file(url)
    if database is not None:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        json_serializer=_json_serializer,
        json_deserializer=orjson.loads,
        connect_args={
            "check_same_thread": False,
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
        },
    )
    pragmas = (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={settings.sqlite_busy_timeout_ms}",
        f"PRAGMA synchronous={settings.sqlite_synchronous}",
        # Checkpoints are where WAL mode pays for fsync; doing them ten times less often
        # doubles the write rate on ordinary disks at the cost of a WAL file up to ~40 MB.
        f"PRAGMA wal_autocheckpoint={settings.sqlite_wal_autocheckpoint}",
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    if database is not None:
        args, kwargs = engine.dialect.create_connect_args(url)
        _reader_setups[engine] = (
            tuple(args),
            {**kwargs, "check_same_thread": False, "isolation_level": None},
            settings.sqlite_busy_timeout_ms,
        )
    return engine


#: How to open a reader (:func:`sqlite_reader`) on each SQLite file engine.
_reader_setups: weakref.WeakKeyDictionary[Engine, tuple[tuple[Any, ...], dict[str, Any], int]] = (
    weakref.WeakKeyDictionary()
)
_readers = threading.local()


def sqlite_reader(engine: Engine) -> sqlite3.Connection | None:
    """A connection of the calling thread's own to the engine's SQLite file, for reads of one
    statement each (it runs in autocommit mode and refuses writes); None for other backends
    and in-memory databases.

    It is opened once per thread and engine, and kept while both live: a hot read (the person
    a decision is for) then skips the pool's check-out and check-in, tens of microseconds.
    """
    setup = _reader_setups.get(engine)
    if setup is None:
        return None
    readers: weakref.WeakKeyDictionary[Engine, sqlite3.Connection] | None = getattr(
        _readers, "by_engine", None
    )
    if readers is None:
        readers = _readers.by_engine = weakref.WeakKeyDictionary()
    reader = readers.get(engine)
    if reader is None:
        args, kwargs, busy_timeout_ms = setup
        reader = sqlite3.connect(*args, **kwargs)
        reader.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        reader.execute("PRAGMA query_only=ON")
        readers[engine] = reader
    return reader


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock at BEGIN."""
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


def is_sqlite(engine: Engine | Connection) -> bool:
    """Whether this engine or connection talks to SQLite."""
    return engine.dialect.name == "sqlite"


def sqlite_driver(conn: Connection) -> sqlite3.Connection:
    """The ``sqlite3`` connection under ``conn``, for statements that need no transaction:
    it runs in autocommit mode, so each one is a statement of its own."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection), "a SQLite connection was expected"
    return driver


_database_keys: dict[int, str] = {}


def database_key(engine: Engine) -> str:
    """The engine's database as a string (its URL), to key per-database caches with.

    Worked out once per engine: rendering a URL takes microseconds, and the decide path asks
    several times per call. The entry goes when the engine does, before its id can be reused.
    """
    key = _database_keys.get(id(engine))
    if key is None:
        key = _database_keys[id(engine)] = engine.url.render_as_string()
        weakref.finalize(engine, _database_keys.pop, id(engine), None)
    return key
