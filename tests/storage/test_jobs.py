from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tailored import storage
from tailored.core import ValidationError, utcnow
from tests.fixtures.databases import make_settings


def _enqueue(engine, kind="k", **kw):
    with engine.begin() as conn:
        return storage.enqueue(conn, kind, {"n": 1}, **kw)


def test_claim_complete(engine):
    job_id = _enqueue(engine)
    job = storage.claim(engine, "w1")
    assert job is not None and job.id == job_id and job.payload == {"n": 1} and job.attempts == 1
    assert storage.claim(engine, "w2") is None, "a claimed job is not handed out twice"
    storage.complete(engine, job)
    with engine.connect() as conn:
        assert storage.job_counts(conn) == {"queued": 0, "running": 0, "done": 1, "failed": 0}


def test_future_jobs_wait_and_kinds_filter(engine):
    _enqueue(engine, run_at=utcnow() + timedelta(hours=1))
    _enqueue(engine, kind="other")
    assert storage.claim(engine, "w", kinds=["k"]) is None
    job = storage.claim(engine, "w", kinds=["other"])
    assert job is not None and job.kind == "other"
    later = storage.claim(engine, "w", kinds=["k"], now=utcnow() + timedelta(hours=2))
    assert later is not None and later.kind == "k"


def test_failure_retries_with_backoff_then_gives_up(engine):
    _enqueue(engine, max_attempts=2)
    job = storage.claim(engine, "w")
    assert storage.fail(engine, job, "boom", base_delay_seconds=60) is True
    assert storage.claim(engine, "w") is None, "backoff: not due yet"
    job = storage.claim(engine, "w", now=utcnow() + timedelta(seconds=61))
    assert job is not None and job.attempts == 2
    assert storage.fail(engine, job, "boom again") is False
    with engine.connect() as conn:
        assert storage.job_counts(conn)["failed"] == 1


def test_a_dead_workers_job_is_claimed_again_after_its_lease(engine):
    _enqueue(engine, max_attempts=2)
    first = storage.claim(engine, "dead", lease_seconds=10)
    assert storage.claim(engine, "alive") is None
    again = storage.claim(engine, "alive", now=utcnow() + timedelta(seconds=11))
    assert again is not None and again.id == first.id and again.attempts == 2
    # It dies again on its last attempt: the job is failed, not retried forever.
    assert storage.claim(engine, "w", now=utcnow() + timedelta(seconds=400)) is None
    with engine.connect() as conn:
        assert storage.job_counts(conn)["failed"] == 1


def test_concurrent_workers_never_share_a_job(engine):
    for _ in range(40):
        _enqueue(engine)
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name):
        while (job := storage.claim(engine, name)) is not None:
            with lock:
                claimed.append(job.id)
            storage.complete(engine, job)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40


def test_enqueue_validates(engine):
    with engine.begin() as conn:
        with pytest.raises(ValidationError):
            storage.enqueue(conn, "")
        with pytest.raises(ValidationError):
            storage.enqueue(conn, "k", max_attempts=0)


def test_worker_runs_registered_handlers(engine, database_url):
    seen = []
    storage.register_job("test.echo", lambda _engine, job: seen.append(job.payload))

    def explode(_engine, _job):
        raise RuntimeError("handler failed")

    storage.register_job("test.explode", explode)
    with engine.begin() as conn:
        storage.enqueue(conn, "test.echo", {"hello": "world"})
        storage.enqueue(conn, "test.explode", max_attempts=1)
    settings = make_settings(database_url, worker_poll_seconds=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=storage.run_worker, args=(engine, settings, stop))
    thread.start()
    statuses = storage.jobs.select().where(storage.jobs.c.kind.like("test.%"))
    deadline = utcnow() + timedelta(seconds=20)
    while utcnow() < deadline:
        with engine.connect() as conn:
            status = {r.kind: r.status for r in conn.execute(statuses)}
        if status == {"test.echo": "done", "test.explode": "failed"}:
            break
    stop.set()
    thread.join()
    assert seen == [{"hello": "world"}]
    assert status == {"test.echo": "done", "test.explode": "failed"}
    assert "test.echo" in storage.job_handlers()
