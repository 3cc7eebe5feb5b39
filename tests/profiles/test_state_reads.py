"""Reading a batch's profile states looks each one up by key, however many profiles exist."""

from __future__ import annotations

import sqlalchemy as sa

from tailored import profiles, storage
from tailored.core import utcnow
from tests.fixtures.databases import make_settings


def test_states_are_read_by_key_not_by_walking_live_profiles(sqlite_url):
    engine = storage.create_engine(make_settings(sqlite_url))
    statements: list[tuple[str, object]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    now = utcnow()
    with engine.begin() as conn:
        workspace = storage.ensure_default_workspace(conn).id
        conn.execute(
            profiles.profiles.insert(),
            [{"id": f"prof_{n}", "workspace_id": workspace, "state": {"orders": n},
              "merged_into": "prof_0" if n == 3 else None,
              "created_at": now, "updated_at": now} for n in range(300)],
        )  # fmt: skip
        statements.clear()
        wanted = {f"prof_{n}" for n in range(1, 101)}  # a batch's people
        found = profiles.load_states(conn, wanted)
        assert set(found) == wanted - {"prof_3"}, "merged ones are left out"
        assert found["prof_4"] == {"orders": 4}
        ((statement, parameters),) = statements
        plan = " ".join(
            str(row[3])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "merged_into" not in plan and "(id=?)" in plan, plan
    engine.dispose()
