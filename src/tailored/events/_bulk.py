"""Bulk import: a file's messages through the same validation and ingestion as the API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tailored.core import ValidationError, utcnow

from ._files import read_messages
from ._ingest import ingest


@dataclass
class ImportSummary:
    """What a bulk import did."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    suppressed: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        """Count one rejected line; keep the first few as examples."""
        self.rejected += 1
        self.reasons[reason.split(": ", 1)[-1]] += 1
        if len(self.examples) < 20:
            self.examples.append((line, reason))


def import_file(
    engine: Engine,
    workspace_id: int,
    path: Path,
    fmt: str,
    *,
    batch: int = 5000,
    max_event_bytes: int = 1 << 20,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate and ingest every message of the file, ``batch`` per transaction."""
    summary = ImportSummary()
    pending: list[tuple[int, Any]] = []

    def flush() -> None:
        result = ingest(
            engine,
            workspace_id,
            [m for _, m in pending],
            utcnow(),
            where="",
            max_event_bytes=max_event_bytes,
        )
        summary.stored += result.accepted
        summary.duplicates += result.duplicates
        summary.suppressed += result.suppressed
        for rejection in result.rejected:
            summary.reject(pending[rejection.index][0], f"{rejection.loc}: {rejection.message}")
        if on_progress:
            on_progress(len(pending))
        pending.clear()

    for line, message in read_messages(path, fmt):
        summary.read += 1
        if isinstance(message, ValidationError):
            summary.reject(line, message.message)
            if on_progress:
                on_progress(1)
            continue
        pending.append((line, message))
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return summary
