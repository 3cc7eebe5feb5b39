"""Scratch databases for benchmarks: a temporary SQLite file, a temporary PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tailored import storage
from tailored.core import Settings

BENCH_SECRET = "benchmark-secret-key-benchmark-secret-key"


def postgres_server_url() -> str | None:
    """The PostgreSQL server to benchmark on, if any (``TAILORED_BENCH_POSTGRES_URL``)."""
    return os.environ.get("TAILORED_BENCH_POSTGRES_URL") or os.environ.get(
        "TAILORED_TEST_POSTGRES_URL"
    )


@contextmanager
def scratch_database(backend: str) -> Iterator[Settings]:
    """Settings for a fresh migrated database on ``backend`` (sqlite or postgres), removed after."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            settings = Settings(database_url=url, secret_key=BENCH_SECRET)
            _migrate(settings)
            yield settings
        return
    server_url = postgres_server_url()
    if not server_url:
        raise RuntimeError("set TAILORED_BENCH_POSTGRES_URL to benchmark PostgreSQL")
    server = sa.make_url(server_url)
    name = f"tailored_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        settings = Settings(database_url=url, secret_key=BENCH_SECRET)
        _migrate(settings)
        yield settings
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _migrate(settings: Settings) -> None:
    engine = storage.create_engine(settings)
    storage.upgrade(engine)
    engine.dispose()


def backends() -> list[str]:
    """The backends available here."""
    return ["sqlite", "postgres"] if postgres_server_url() else ["sqlite"]
