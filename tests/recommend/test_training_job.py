"""The worker's periodic training job, run the way `tailored worker` runs it."""

from __future__ import annotations

from typer.testing import CliRunner

from tailored import storage
from tailored.cli import app
from tailored.events import ingest
from tailored.recommend import list_versions, model_cache, recommend_for
from tailored.recommend._training import JOB_KIND
from tests.fixtures.databases import SECRET
from tests.recommend import twotastes as shop
from tests.recommend.twotastes import NOW


def test_worker_trains_every_workspace_that_has_events(engine, database_url, monkeypatch, tmp_path):
    shop.build(engine)
    with storage.write_transaction(engine) as conn:
        empty = storage.create_workspace(conn, "empty").id
    assert JOB_KIND in storage.schedule_due(engine)
    assert JOB_KIND not in storage.schedule_due(engine), "already queued"

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"({JOB_KIND}) done" in result.output

    with engine.connect() as conn:
        assert [v.version for v in list_versions(conn, 1)] == [1]
        assert list_versions(conn, empty) == [], "nothing to learn from"
        assert model_cache(engine).get(conn, 1) is not None
    assert f"workspace {empty} not trained" in result.output
    assert recommend_for(engine, 1, "u00", "for_you", k=3, now=NOW).model_version == 1
    assert JOB_KIND not in storage.schedule_due(engine), "trained within the period"


def test_a_job_for_one_workspace_trains_only_it(engine, settings):
    shop.build(engine)
    with storage.write_transaction(engine) as conn:
        other = storage.create_workspace(conn, "other").id
    ingest(engine, other, shop.history(), NOW)
    with storage.write_transaction(engine) as conn:
        storage.enqueue(conn, JOB_KIND, {}, workspace_id=other)
    job = storage.run_once(engine, settings, "test-worker")
    assert job is not None and job.kind == JOB_KIND
    with engine.connect() as conn:
        assert list_versions(conn, 1) == []
        assert [v.version for v in list_versions(conn, other)] == [1]
