"""Trained model versions: stored in the database, the newest active one served.

Each training run adds a version (its arrays as ``numpy.savez`` bytes, never a pickle, with
its configuration and holdout metrics). Serving uses the newest *active* version; a rollback
deactivates versions, so the one before is served again. Only the newest ``keep`` versions
are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.engine import Connection

from tailored.core import Conflict, NotFound, utcnow
from tailored.storage import BigIntKey, JSONType, UTCDateTime, metadata

recommend_models = Table(
    "recommend_models",
    metadata,
    Column("id", BigIntKey, primary_key=True, autoincrement=True),
    Column(
        "workspace_id", Integer, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    Column("version", Integer, nullable=False),
    Column("algorithm", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("config", JSONType, nullable=False),
    Column("metrics", JSONType, nullable=False),
    Column("blob", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "version"),
    Index(None, "workspace_id", "active", "version"),
)


@dataclass(frozen=True)
class ModelVersion:
    """A stored model version, without its arrays.

    Attributes:
        id: The row id (unique across workspaces).
        version: 1, 2, ... within the workspace.
        algorithm: What produced it (``"als"``).
        active: Whether it may be served (a rollback deactivates it).
        config: The training configuration it was trained with.
        metrics: Holdout metrics and sizes measured at training.
        created_at: When it was stored.
    """

    id: int
    version: int
    algorithm: str
    active: bool
    config: dict[str, Any]
    metrics: dict[str, Any]
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "version": self.version,
            "algorithm": self.algorithm,
            "active": self.active,
            "metrics": self.metrics,
            "created_at": self.created_at.isoformat(),
        }


_SUMMARY = [
    recommend_models.c[name]
    for name in ("id", "version", "algorithm", "active", "config", "metrics", "created_at")
]


def save_version(
    conn: Connection,
    workspace_id: int,
    *,
    algorithm: str,
    config: dict[str, Any],
    metrics: dict[str, Any],
    blob: bytes,
    keep: int = 5,
) -> ModelVersion:
    """Store a new active version and drop all but the newest ``keep``; returns it."""
    latest = conn.execute(
        sa.select(sa.func.max(recommend_models.c.version)).where(
            recommend_models.c.workspace_id == workspace_id
        )
    ).scalar()
    version = int(latest or 0) + 1
    created = utcnow()
    row: dict[str, Any] = {
        "workspace_id": workspace_id,
        "version": version,
        "algorithm": algorithm,
        "active": True,
        "config": config,
        "metrics": metrics,
        "blob": blob,
        "created_at": created,
    }
    new_id = conn.execute(
        recommend_models.insert().values(**row).returning(recommend_models.c.id)
    ).scalar_one()
    conn.execute(
        recommend_models.delete().where(
            recommend_models.c.workspace_id == workspace_id,
            recommend_models.c.version <= version - max(keep, 1),
        )
    )
    return ModelVersion(int(new_id), version, algorithm, True, config, metrics, row["created_at"])


def list_versions(conn: Connection, workspace_id: int) -> list[ModelVersion]:
    """The stored versions, newest first."""
    rows = conn.execute(
        sa.select(*_SUMMARY)
        .where(recommend_models.c.workspace_id == workspace_id)
        .order_by(recommend_models.c.version.desc())
    )
    return [ModelVersion(**r._mapping) for r in rows]


def served_version(conn: Connection, workspace_id: int) -> tuple[int, datetime] | None:
    """``(id, created_at)`` of the version to serve (newest active), or ``None``.

    One indexed lookup: cheap enough for every request.
    """
    row = conn.execute(
        sa.select(recommend_models.c.id, recommend_models.c.created_at)
        .where(recommend_models.c.workspace_id == workspace_id, recommend_models.c.active)
        .order_by(recommend_models.c.version.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), row[1])


def load_version(conn: Connection, model_id: int) -> tuple[ModelVersion, bytes]:
    """A version and its arrays by row id."""
    row = conn.execute(
        sa.select(*_SUMMARY, recommend_models.c.blob).where(recommend_models.c.id == model_id)
    ).first()
    if row is None:
        raise NotFound(f"no stored model with id {model_id}")
    values = dict(row._mapping)
    blob = values.pop("blob")
    return ModelVersion(**values), bytes(blob)


def rollback(conn: Connection, workspace_id: int, to: int | None = None) -> ModelVersion:
    """Serve an earlier version again; returns the version now served.

    Args:
        conn: A connection in a transaction.
        workspace_id: The workspace.
        to: The version to serve (it is reactivated; newer ones are deactivated); by default
            the active version before the one served now.

    Raises:
        NotFound: ``to`` is not stored.
        Conflict: there is no earlier version to go back to.
    """
    versions = list_versions(conn, workspace_id)
    active = [v for v in versions if v.active]
    if to is None:
        if len(active) < 2:
            raise Conflict("no earlier active model version to roll back to")
        to = active[1].version
    if not any(v.version == to for v in versions):
        raise NotFound(f"no stored model version {to} in this workspace")
    table = recommend_models
    where = table.c.workspace_id == workspace_id
    conn.execute(table.update().where(where, table.c.version > to).values(active=False))
    conn.execute(table.update().where(where, table.c.version == to).values(active=True))
    return next(v for v in list_versions(conn, workspace_id) if v.version == to)
