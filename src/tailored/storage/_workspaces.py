"""Workspaces: every row of customer or configuration data belongs to one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tailored.core import Conflict, NotFound, ValidationError, utcnow

from ._tables import workspaces

DEFAULT_WORKSPACE = "default"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Workspace:
    """A tenant: one site, brand or environment."""

    id: int
    name: str
    created_at: datetime


def _from_row(row: Any) -> Workspace:
    return Workspace(id=row.id, name=row.name, created_at=row.created_at)


def validate_workspace_name(name: str) -> str:
    """Return ``name`` if it is a valid workspace name, else raise :class:`ValidationError`."""
    if not _NAME.match(name):
        raise ValidationError(
            f"invalid workspace name {name!r}: use 1-63 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit",
            [{"loc": ["name"], "message": "must match ^[a-z0-9][a-z0-9_-]{0,62}$"}],
        )
    return name


def create_workspace(conn: Connection, name: str) -> Workspace:
    """Create a workspace; :class:`Conflict` if the name is taken."""
    validate_workspace_name(name)
    if conn.execute(sa.select(workspaces.c.id).where(workspaces.c.name == name)).first():
        raise Conflict(f"workspace {name!r} already exists")
    row = conn.execute(
        workspaces.insert()
        .values(name=name, created_at=utcnow())
        .returning(workspaces.c.id, workspaces.c.name, workspaces.c.created_at)
    ).one()
    return _from_row(row)


def get_workspace(conn: Connection, name: str) -> Workspace:
    """The workspace called ``name``; :class:`NotFound` if there is none."""
    row = conn.execute(
        sa.select(workspaces.c.id, workspaces.c.name, workspaces.c.created_at).where(
            workspaces.c.name == name
        )
    ).first()
    if row is None:
        raise NotFound(f"no workspace named {name!r} (see `tailored workspaces list`)")
    return _from_row(row)


def list_workspaces(conn: Connection) -> list[Workspace]:
    """Every workspace, oldest first."""
    rows = conn.execute(
        sa.select(workspaces.c.id, workspaces.c.name, workspaces.c.created_at).order_by(
            workspaces.c.id
        )
    )
    return [_from_row(r) for r in rows]


def ensure_default_workspace(conn: Connection) -> Workspace:
    """The default workspace, created if missing."""
    try:
        return get_workspace(conn, DEFAULT_WORKSPACE)
    except NotFound:
        return create_workspace(conn, DEFAULT_WORKSPACE)
