"""Storage: the SQLAlchemy engine, migrations, workspaces, API keys, jobs and Redis."""

from __future__ import annotations

from ._checkpoint import Checkpoint, Checkpointer, checkpoint
from ._engine import create_engine, database_key, is_sqlite, sqlite_driver, write_transaction
from ._jobs import Job, claim, complete, enqueue, fail, job_counts
from ._keys import (
    SCOPES,
    ApiKey,
    CreatedKey,
    Scope,
    create_key,
    find_key,
    find_key_by_hash,
    get_key,
    hash_key,
    list_keys,
    revoke_key,
)
from ._metadata import metadata
from ._migrate import (
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    new_revision,
    upgrade,
)
from ._redis import RedisClient, RedisUnavailable, connect_redis
from ._tables import api_keys, jobs, workspaces
from ._types import BigIntKey, JSONType, UTCDateTime, sqlite_json, sqlite_placeholders, sqlite_time
from ._worker import (
    JobHandler,
    job_handlers,
    register_job,
    register_periodic,
    run_once,
    run_worker,
    schedule_due,
    worker_id,
)
from ._workspaces import (
    DEFAULT_WORKSPACE,
    Workspace,
    create_workspace,
    ensure_default_workspace,
    get_workspace,
    list_workspaces,
)

__all__ = [
    "DEFAULT_WORKSPACE",
    "SCOPES",
    "ApiKey",
    "BigIntKey",
    "Checkpoint",
    "Checkpointer",
    "CreatedKey",
    "JSONType",
    "Job",
    "JobHandler",
    "RedisClient",
    "RedisUnavailable",
    "Scope",
    "UTCDateTime",
    "Workspace",
    "api_keys",
    "checkpoint",
    "claim",
    "complete",
    "connect_redis",
    "create_engine",
    "create_key",
    "create_workspace",
    "current_revision",
    "database_key",
    "downgrade",
    "enqueue",
    "ensure_default_workspace",
    "fail",
    "find_key",
    "find_key_by_hash",
    "get_key",
    "get_workspace",
    "hash_key",
    "head_revision",
    "is_sqlite",
    "is_up_to_date",
    "job_counts",
    "job_handlers",
    "jobs",
    "list_keys",
    "list_workspaces",
    "metadata",
    "new_revision",
    "register_job",
    "register_periodic",
    "revoke_key",
    "run_once",
    "run_worker",
    "schedule_due",
    "sqlite_driver",
    "sqlite_json",
    "sqlite_placeholders",
    "sqlite_time",
    "upgrade",
    "worker_id",
    "workspaces",
    "write_transaction",
]
