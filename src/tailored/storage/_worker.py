"""The worker loop: claim due jobs, run their handlers, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tailored.core import Settings, new_id, utcnow

from ._engine import write_transaction
from ._jobs import DONE, FAILED, QUEUED, RUNNING, Job, claim, complete, enqueue, fail
from ._tables import jobs

JobHandler = Callable[[Engine, Job], None]
log = logging.getLogger("tailored.worker")

_handlers: dict[str, JobHandler] = {}
_periodic: dict[str, float] = {}


def register_job(kind: str, handler: JobHandler) -> None:
    """Make ``handler`` run jobs of ``kind``; stages call this when they are imported."""
    _handlers[kind] = handler


def register_periodic(kind: str, every_seconds: float) -> None:
    """Have the worker enqueue a ``kind`` job whenever the last one is older than this."""
    _periodic[kind] = every_seconds


def schedule_due(engine: Engine) -> list[str]:
    """Enqueue each periodic job that has none queued, running, or finished recently."""
    now = utcnow()
    scheduled = []
    for kind, every in sorted(_periodic.items()):
        recent = sa.or_(
            jobs.c.status.in_([QUEUED, RUNNING]),
            sa.and_(
                jobs.c.status.in_([DONE, FAILED]),
                jobs.c.created_at > now - timedelta(seconds=every),
            ),
        )
        with write_transaction(engine) as conn:
            if conn.execute(sa.select(jobs.c.id).where(jobs.c.kind == kind, recent)).first():
                continue
            enqueue(conn, kind, {"scheduled": True})
        scheduled.append(kind)
    return scheduled


def job_handlers() -> dict[str, JobHandler]:
    """The registered handlers by job kind."""
    return dict(_handlers)


def worker_id() -> str:
    """An id naming this worker process in claimed jobs."""
    return f"{socket.gethostname()}:{os.getpid()}:{new_id('w', 6)}"


def run_once(engine: Engine, settings: Settings, wid: str) -> Job | None:
    """Claim and run at most one due job of a registered kind; return it, or ``None``."""
    handlers = job_handlers()
    job = claim(engine, wid, lease_seconds=settings.job_lease_seconds, kinds=sorted(handlers))
    if job is None:
        return None
    try:
        handlers[job.kind](engine, job)
    except Exception as exc:
        retried = fail(engine, job, f"{type(exc).__name__}: {exc}")
        log.exception(
            "job %s (%s) failed on attempt %d%s",
            job.id,
            job.kind,
            job.attempts,
            "; will retry" if retried else "; giving up",
        )
    else:
        complete(engine, job)
        log.info("job %s (%s) done", job.id, job.kind)
    return job


def run_worker(engine: Engine, settings: Settings, stop: threading.Event) -> int:
    """Run jobs until ``stop`` is set; sleep ``worker_poll_seconds`` when idle.

    Returns the number of jobs run.
    """
    wid = worker_id()
    log.info("worker %s started; handles %s", wid, ", ".join(sorted(_handlers)) or "nothing")
    count = 0
    while not stop.is_set():
        schedule_due(engine)
        if run_once(engine, settings, wid) is None:
            stop.wait(settings.worker_poll_seconds)
        else:
            count += 1
    log.info("worker %s stopped after %d jobs", wid, count)
    return count
