"""Loading messages and items into a workspace in batches, with progress callbacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

import tailored.profiles  # noqa: F401  (subscribes profile updates to ingestion)
from tailored import events, storage
from tailored.core import utcnow
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
    max_event_bytes: int = 1 << 20,
    on_progress: Progress | None = None,
) -> LoadResult:
    """Send Segment-spec messages through the ingestion path, one transaction per batch.

    Profiles (and every other stage subscribed to ingestion) are updated as by the HTTP API.
    Files are trusted more than the public API: an event may be up to ``max_event_bytes``
    (an invoice with hundreds of lines is larger than the API's 32 KB).
    """
    result = LoadResult()
    for start in range(0, len(messages), batch):
        chunk = messages[start : start + batch]
        outcome = events.ingest(
            engine, workspace_id, chunk, utcnow(), where="", max_event_bytes=max_event_bytes
        )
        result.stored += outcome.accepted
        result.duplicates += outcome.duplicates
        result.rejected.extend((start + r.index, f"{r.loc}: {r.message}") for r in outcome.rejected)
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
