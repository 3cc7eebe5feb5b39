"""A durable job queue in the database, for ``tailored worker``.

Claiming uses ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so many workers share the
queue; on SQLite the claim runs in an IMMEDIATE transaction (one writer at a time). A claimed
job carries a lease: if its worker dies, the job is claimed again once the lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored.core import JSONObject, ValidationError, utcnow

from ._engine import write_transaction
from ._tables import jobs

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


@dataclass(frozen=True)
class Job:
    """A claimed job, handed to its handler."""

    id: int
    kind: str
    payload: JSONObject
    workspace_id: int | None
    attempts: int
    max_attempts: int


def enqueue(
    conn: Connection,
    kind: str,
    payload: JSONObject | None = None,
    *,
    workspace_id: int | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 5,
) -> int:
    """Add a job; it becomes due at ``run_at`` (now by default). Returns its id."""
    if not kind or len(kind) > 100:
        raise ValidationError("a job kind must be 1 to 100 characters")
    if max_attempts < 1:
        raise ValidationError("max_attempts must be at least 1")
    now = utcnow()
    result = conn.execute(
        jobs.insert()
        .values(
            workspace_id=workspace_id,
            kind=kind,
            payload=payload or {},
            status=QUEUED,
            attempts=0,
            max_attempts=max_attempts,
            run_at=run_at or now,
            created_at=now,
        )
        .returning(jobs.c.id)
    )
    return int(result.scalar_one())


def claim(
    engine: Engine,
    worker_id: str,
    *,
    lease_seconds: int = 300,
    kinds: list[str] | None = None,
    now: datetime | None = None,
) -> Job | None:
    """Claim the most overdue job (or one whose lease expired); ``None`` if nothing is due.

    ``kinds`` limits the claim to those job kinds (an empty list claims nothing).
    """
    now = now or utcnow()
    due = sa.or_(
        sa.and_(jobs.c.status == QUEUED, jobs.c.run_at <= now),
        sa.and_(
            jobs.c.status == RUNNING,
            jobs.c.locked_until < now,
            jobs.c.attempts < jobs.c.max_attempts,
        ),
    )
    pick = sa.select(jobs.c.id).where(due).order_by(jobs.c.run_at, jobs.c.id).limit(1)
    if kinds is not None:
        if not kinds:
            return None
        pick = pick.where(jobs.c.kind.in_(kinds))
    with write_transaction(engine) as conn:
        _fail_abandoned(conn, now)
        job_id = conn.execute(pick.with_for_update(skip_locked=True)).scalar()
        if job_id is None:
            return None
        row = conn.execute(
            jobs.update()
            .where(jobs.c.id == job_id)
            .values(
                status=RUNNING,
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=jobs.c.attempts + 1,
            )
            .returning(
                jobs.c.id,
                jobs.c.kind,
                jobs.c.payload,
                jobs.c.workspace_id,
                jobs.c.attempts,
                jobs.c.max_attempts,
            )
        ).one()
    return Job(**row._mapping)


def _fail_abandoned(conn: Connection, now: datetime) -> None:
    """Jobs whose worker died on their last attempt will not be retried: mark them failed."""
    conn.execute(
        jobs.update()
        .where(
            jobs.c.status == RUNNING,
            jobs.c.locked_until < now,
            jobs.c.attempts >= jobs.c.max_attempts,
        )
        .values(status=FAILED, finished_at=now, last_error="lease expired on the last attempt")
    )


def complete(engine: Engine, job: Job) -> None:
    """Mark a claimed job done."""
    with write_transaction(engine) as conn:
        conn.execute(
            jobs.update()
            .where(jobs.c.id == job.id)
            .values(status=DONE, finished_at=utcnow(), locked_by=None, locked_until=None)
        )


def fail(engine: Engine, job: Job, error: str, *, base_delay_seconds: float = 5.0) -> bool:
    """Record a failure; retry later with exponential backoff unless attempts are used up.

    Returns whether the job will be retried.
    """
    now = utcnow()
    retry = job.attempts < job.max_attempts
    values: dict[str, Any] = {"last_error": error[:10_000], "locked_by": None, "locked_until": None}
    if retry:
        delay = base_delay_seconds * 2 ** (job.attempts - 1)
        values |= {"status": QUEUED, "run_at": now + timedelta(seconds=delay)}
    else:
        values |= {"status": FAILED, "finished_at": now}
    with write_transaction(engine) as conn:
        conn.execute(jobs.update().where(jobs.c.id == job.id).values(**values))
    return retry


def job_counts(conn: Connection) -> dict[str, int]:
    """How many jobs are in each status."""
    rows = conn.execute(sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status))
    counts = {QUEUED: 0, RUNNING: 0, DONE: 0, FAILED: 0}
    counts.update({status: int(n) for status, n in rows})
    return counts
