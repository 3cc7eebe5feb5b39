"""Saving segments: check, store, backfill the features they need, compute who is in them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from tailored import storage
from tailored.core import utcnow

from ._batch import Progress, backfill, evaluate_population, recompute
from ._definitions import check_condition, compile_workspace
from ._store import (
    Segment,
    check_key,
    check_segment,
    compiled_workspace,
    conditions_by_key,
    delete_segment_row,
    get_segment,
    insert_segment,
    update_segment_row,
)

PREVIEW_KEY = "__preview__"


def _kept(engine: Engine, workspace_id: int) -> set[str]:
    with engine.connect() as conn:
        return set(compiled_workspace(conn, workspace_id).features.specs)


def _refresh(engine: Engine, workspace_id: int, kept: set[str], progress: Progress | None) -> None:
    """Backfill the features not kept before (``kept``), then recompute memberships."""
    with engine.connect() as conn:
        compiled = compiled_workspace(conn, workspace_id)
    fresh = [spec for key, spec in compiled.features.specs.items() if key not in kept]
    backfill(engine, workspace_id, fresh, progress)
    recompute(engine, workspace_id, progress=progress)


def create_segment(
    engine: Engine,
    workspace_id: int,
    key: str,
    name: str,
    condition: Any,
    *,
    description: str = "",
    builtin: bool = False,
    progress: Progress | None = None,
) -> Segment:
    """Check and store a segment, backfill what it needs and compute its members.

    Raises:
        tailored.core.ValidationError: A bad key or condition (paths under ``body``).
        tailored.core.Conflict: The key is taken.
    """
    check_key(key)
    kept = _kept(engine, workspace_id)
    with storage.write_transaction(engine) as conn:
        needs = check_segment(conn, workspace_id, key, condition)
        values = {"key": key, "name": name, "description": description,
                  "condition": condition, "builtin": builtin}  # fmt: skip
        insert_segment(conn, workspace_id, values, needs, utcnow())
    _refresh(engine, workspace_id, kept, progress)
    with engine.connect() as conn:
        return get_segment(conn, workspace_id, key)


def create_segments(
    engine: Engine,
    workspace_id: int,
    definitions: list[dict[str, Any]],
    *,
    progress: Progress | None = None,
) -> list[str]:
    """Create several segments (dicts of ``create_segment``'s arguments) with one recompute.

    Keys that exist already are left as they are. Returns the keys created.
    """
    kept = _kept(engine, workspace_id)
    created: list[str] = []
    with storage.write_transaction(engine) as conn:
        taken = set(conditions_by_key(conn, workspace_id))
        for definition in definitions:
            key = definition["key"]
            if key in taken:
                continue
            check_key(key)
            needs = check_segment(conn, workspace_id, key, definition["condition"])
            values = {"description": "", "builtin": False, **definition}
            insert_segment(conn, workspace_id, values, needs, utcnow())
            created.append(key)
            taken.add(key)
    if created:
        _refresh(engine, workspace_id, kept, progress)
    return created


def update_segment(
    engine: Engine,
    workspace_id: int,
    key: str,
    changes: Mapping[str, Any],
    *,
    progress: Progress | None = None,
) -> Segment:
    """Change a segment's ``name``, ``description`` or ``condition``; recompute if needed."""
    kept = _kept(engine, workspace_id)
    with storage.write_transaction(engine) as conn:
        segment = get_segment(conn, workspace_id, key)
        needs = None
        if "condition" in changes:
            needs = check_segment(conn, workspace_id, key, changes["condition"])
        update_segment_row(conn, segment, dict(changes), needs, utcnow())
    if needs is not None:
        _refresh(engine, workspace_id, kept, progress)
    with engine.connect() as conn:
        return get_segment(conn, workspace_id, key)


def delete_segment(engine: Engine, workspace_id: int, key: str) -> None:
    """Delete a segment with its members and history (409 if another segment uses it)."""
    with storage.write_transaction(engine) as conn:
        delete_segment_row(conn, workspace_id, key)


@dataclass(frozen=True)
class Preview:
    """Who a condition would hold now."""

    size: int
    sample: list[str]
    profiles: int


def preview(engine: Engine, workspace_id: int, condition: Any, *, sample: int = 10) -> Preview:
    """Size and a sample of the members ``condition`` would have, without saving anything.

    Raises:
        tailored.core.ValidationError: The condition has problems.
    """
    now = utcnow()
    with engine.connect() as conn:
        others = conditions_by_key(conn, workspace_id)
        check_condition(PREVIEW_KEY, condition, others)
        rows = [(i, k, c) for i, (k, c) in enumerate(others.items(), start=1)]
        compiled = compile_workspace([*rows, (0, PREVIEW_KEY, condition)])
        size, total, chosen = 0, 0, list[str]()
        for pid, result in evaluate_population(conn, workspace_id, compiled, now):
            total += 1
            if 0 in result.segment_ids:
                size += 1
                if len(chosen) < sample:
                    chosen.append(pid)
    return Preview(size, chosen, total)
