from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import tailored.events
import tailored.recommend  # noqa: F401  (defines its tables on the shared metadata)
from tailored import storage
from tests.fixtures.databases import make_settings


def test_migrations_match_the_tables_the_code_defines(engine):
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), storage.metadata
        )
    assert diff == [], "write a migration: tailored db revision -m '...'"
    assert storage.is_up_to_date(engine)
    assert storage.current_revision(engine) == storage.head_revision()


def test_a_fresh_database_has_the_default_workspace(engine):
    with engine.connect() as conn:
        names = [w.name for w in storage.list_workspaces(conn)]
    assert names == [storage.DEFAULT_WORKSPACE]


def test_downgrade_to_base_and_up_again(tmp_path):
    engine = storage.create_engine(make_settings(f"sqlite:///{tmp_path / 'm.db'}"))
    assert storage.current_revision(engine) is None
    assert not storage.is_up_to_date(engine)
    storage.upgrade(engine)
    storage.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    storage.upgrade(engine)
    assert storage.is_up_to_date(engine)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url):
    engine = storage.create_engine(make_settings(sqlite_url))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_sqlite_parent_directory_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "t.db"
    engine = storage.create_engine(make_settings(f"sqlite:///{path}"))
    storage.upgrade(engine)
    assert path.exists()
    engine.dispose()
