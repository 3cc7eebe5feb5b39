"""Loading messages and items into a workspace in batches, with progress callbacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from tailored import events, storage
from tailored.core import ValidationError, utcnow
from tailored.recommend import Item, upsert_items

Progress = Callable[[int], None]


@dataclass
class LoadResult:
    """How many messages were stored, were already there, or were rejected (and why)."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def load_messages(
    engine: Engine,
    workspace_id: int,
    messages: Sequence[dict[str, Any]],
    *,
    batch: int = 2000,
    on_progress: Progress | None = None,
) -> LoadResult:
    """Store Segment-spec messages in the event log, one transaction per batch."""
    result = LoadResult()
    received = utcnow()
    for start in range(0, len(messages), batch):
        rows = []
        for offset, message in enumerate(messages[start : start + batch]):
            try:
                rows.append(events.to_event_row(message, received))
            except ValidationError as exc:
                result.rejected.append((start + offset, exc.message))
        with storage.write_transaction(engine) as conn:
            stored = len(events.append_events(conn, workspace_id, rows))
        result.stored += stored
        result.duplicates += len(rows) - stored
        if on_progress:
            on_progress(min(batch, len(messages) - start))
    return result


def load_items(
    engine: Engine,
    workspace_id: int,
    items: Sequence[Item],
    *,
    batch: int = 1000,
    on_progress: Progress | None = None,
) -> int:
    """Upsert catalog items, one transaction per batch."""
    written = 0
    for start in range(0, len(items), batch):
        with storage.write_transaction(engine) as conn:
            written += upsert_items(conn, workspace_id, items[start : start + batch])
        if on_progress:
            on_progress(min(batch, len(items) - start))
    return written
