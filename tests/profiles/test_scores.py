from __future__ import annotations

import json
import threading
from datetime import timedelta

from typer.testing import CliRunner

from tailored import events, profiles, storage
from tailored.cli import app
from tailored.core import utcnow
from tests.fixtures.databases import SECRET


def _orders(engine, customers=40):
    now = utcnow()
    messages = []
    for c in range(customers):
        for n in range(1 + c % 5):
            when = now - timedelta(days=5 + 7 * n + c)
            messages.append(
                {
                    "type": "track",
                    "userId": f"c{c}",
                    "event": "Order Completed",
                    "properties": {"revenue": 10 + c},
                    "timestamp": when.isoformat(),
                }
            )
    messages.append({"type": "track", "userId": "browser", "event": "Product Viewed"})
    events.ingest(engine, 1, messages, now, where="")


def test_scores_rank_buyers_and_show_on_the_profile(engine):
    _orders(engine)
    run = profiles.compute_scores(engine, 1)
    assert run.buyers == 40 and sum(run.segments.values()) == 40
    assert run.bgnbd is not None and set(run.bgnbd) == {"r", "alpha", "a", "b"}
    with engine.connect() as conn:
        best = profiles.score_of(conn, profiles.find_profile(conn, 1, "c4"))
        worst = profiles.score_of(conn, profiles.find_profile(conn, 1, "c35"))
        assert profiles.score_of(conn, profiles.find_profile(conn, 1, "browser")) is None
    assert best["rfm"]["recency"] > worst["rfm"]["recency"]
    assert 0 < worst["probability_alive"] <= 1
    again = profiles.compute_scores(engine, 1)
    assert again.buyers == 40, "replaces, does not add"


def test_too_few_buyers_is_explained(engine):
    assert profiles.compute_scores(engine, 1).note.startswith("no buyers yet")
    _orders(engine, customers=3)
    run = profiles.compute_scores(engine, 1)
    assert run.buyers == 3 and run.bgnbd is None and "probability alive not computed" in run.note


def test_cli_and_daily_worker_job(engine, database_url, monkeypatch, tmp_path):
    _orders(engine)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    result = CliRunner().invoke(app, ["profiles", "rfm", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["buyers"] == 40
    assert "profiles.scores" in storage.schedule_due(engine)
    assert "profiles.scores" not in storage.schedule_due(engine), "already queued"
    result = CliRunner().invoke(app, ["worker", "--once"])
    assert "job(s)" in result.output and "profiles.scores) done" in result.output
    assert "profiles.scores" not in storage.schedule_due(engine), "ran within the day"


def test_worker_loop_schedules_periodic_jobs(engine, settings):
    stop = threading.Event()
    thread = threading.Thread(target=storage.run_worker, args=(engine, settings, stop))
    thread.start()
    deadline = utcnow() + timedelta(seconds=20)
    while utcnow() < deadline:
        with engine.connect() as conn:
            if storage.job_counts(conn)["done"] >= 1:
                break
    stop.set()
    thread.join()
    with engine.connect() as conn:
        assert storage.job_counts(conn)["done"] >= 1
