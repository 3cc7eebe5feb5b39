"""Changing a workspace's decide objects: one transaction per change, caches refreshed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Engine

from tailored import storage

from ._compiled import invalidate
from ._store import DecideObject, delete_objects, get_object, list_objects, parse, save_objects


def save(
    engine: Engine, workspace_id: int, kind: str, body: Any, *, create_only: bool = False
) -> tuple[dict[str, Any], str]:
    """Validate and store one object; returns it as stored and ``created``/``updated``/
    ``unchanged``.

    Raises:
        ValidationError: the body is invalid or breaks a reference (``details`` name fields).
        Conflict: ``create_only`` and it exists.
    """
    obj = parse(kind, body)
    with storage.write_transaction(engine) as conn:
        (outcome,) = save_objects(conn, workspace_id, [obj], create_only=create_only)
        invalidate(conn, workspace_id)
        return get_object(conn, workspace_id, kind, obj.key), outcome


def save_many(engine: Engine, workspace_id: int, objects: Iterable[DecideObject]) -> list[str]:
    """Store many objects in one transaction, checked together."""
    with storage.write_transaction(engine) as conn:
        outcomes = save_objects(conn, workspace_id, objects)
        invalidate(conn, workspace_id)
    return outcomes


def delete(engine: Engine, workspace_id: int, kind: str, key: str) -> None:
    """Delete one object nothing refers to.

    Raises:
        NotFound: there is no such object.
        Conflict: something still refers to it.
    """
    with storage.write_transaction(engine) as conn:
        delete_objects(conn, workspace_id, kind, [key])
        invalidate(conn, workspace_id)


def get(engine: Engine, workspace_id: int, kind: str, key: str) -> dict[str, Any]:
    """One object as stored, with its version and times."""
    with engine.connect() as conn:
        return get_object(conn, workspace_id, kind, key)


def listing(engine: Engine, workspace_id: int, kind: str) -> list[dict[str, Any]]:
    """Every object of one kind."""
    with engine.connect() as conn:
        return list_objects(conn, workspace_id, kind)
