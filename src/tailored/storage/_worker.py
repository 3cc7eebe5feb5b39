"""The worker loop: claim due jobs, run their handlers, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from tailored.core import Settings, new_id

from ._jobs import Job, claim, complete, fail

JobHandler = Callable[[Engine, Job], None]
log = logging.getLogger("tailored.worker")

_handlers: dict[str, JobHandler] = {}


def register_job(kind: str, handler: JobHandler) -> None:
    """Make ``handler`` run jobs of ``kind``; stages call this when they are imported."""
    _handlers[kind] = handler


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
        if run_once(engine, settings, wid) is None:
            stop.wait(settings.worker_poll_seconds)
        else:
            count += 1
    log.info("worker %s stopped after %d jobs", wid, count)
    return count
