"""The ingestion path: validate a batch, drop duplicates, commit, tell the subscribers.

One transaction per batch: the events and everything the subscribers (profiles, segments)
write for them commit together, so a 200 means all of it is durable, and a crash leaves
either the whole batch or none of it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from tailored import storage
from tailored.core import ValidationError, utcnow

from ._context import IpMode
from ._enrich import enrich
from ._log import EventRow, append_events
from ._rows import to_event_row
from ._suppress import drop_suppressed

log = logging.getLogger("tailored.events")


class Subscriber(Protocol):
    """A stage that reacts to ingested events inside the batch's transaction.

    ``prepare`` sees every valid row of the batch before it is inserted and may annotate the
    rows (the profiles stage sets ``profile_id``); ``apply`` sees the rows that were stored
    (duplicates left out) with whatever ``prepare`` returned.
    """

    def prepare(self, conn: Connection, workspace_id: int, rows: list[EventRow]) -> Any:
        """Work before the insert; the result is handed to :meth:`apply`."""

    def apply(
        self, conn: Connection, workspace_id: int, stored: list[EventRow], prepared: Any
    ) -> None:
        """Work after the insert, on the stored rows."""


_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Have ``subscriber`` see every batch, inside its transaction (idempotent)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


@dataclass(frozen=True)
class Rejection:
    """A message that was not accepted, where, and why."""

    index: int
    message_id: str | None
    loc: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in answers."""
        return {
            "index": self.index,
            "messageId": self.message_id,
            "loc": self.loc,
            "message": self.message,
        }


@dataclass
class IngestResult:
    """What happened to a batch."""

    accepted: int = 0
    duplicates: int = 0
    suppressed: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def _rejection(index: int, message: Any, prefix: str, exc: Exception) -> Rejection:
    message_id = message.get("messageId") if isinstance(message, dict) else None
    detail = exc.details[0] if isinstance(exc, ValidationError) and exc.details else None
    return Rejection(
        index,
        message_id if isinstance(message_id, str) else None,
        str(detail["loc"]) if detail else prefix.rstrip("."),
        str(detail["message"]) if detail else str(exc),
    )


#: Largest single event accepted, in bytes, unless the caller says otherwise.
MAX_EVENT_BYTES = 32 * 1024


def validate_messages(
    messages: Sequence[Any],
    received_at: datetime,
    *,
    kind: str | None = None,
    sent_at: Any = None,
    max_event_bytes: int = MAX_EVENT_BYTES,
    where: str = "batch",
    request_ip: str | None = None,
    ip_mode: IpMode = "truncate",
    gpc: bool = False,
) -> tuple[list[EventRow], list[Rejection]]:
    """Validate every message; return the good rows and the rejections.

    ``request_ip`` (the client's address) and ``gpc`` (a ``Sec-GPC: 1`` header) apply to every
    message; ``ip_mode`` says what is stored of an IP (see :func:`enrich`).
    """
    rows: list[EventRow] = []
    rejected: list[Rejection] = []
    memo: dict[int, Any] = {}
    for i, message in enumerate(messages):
        prefix = f"{where}[{i}]." if where else ""
        try:
            size = len(orjson.dumps(message))
            if size > max_event_bytes:
                raise ValidationError(
                    f"{prefix or 'body'}: event is {size} bytes; the limit is {max_event_bytes}",
                    [{"loc": prefix.rstrip(".") or "body", "message": "event too large"}],
                )
            row = to_event_row(message, received_at, kind=kind, sent_at=sent_at, where=prefix)
        except (ValidationError, TypeError) as exc:
            rejected.append(_rejection(i, message, prefix, exc))
            continue
        enrich(row, message, request_ip=request_ip, ip_mode=ip_mode, gpc=gpc, memo=memo)
        rows.append(row)
    return rows, rejected


class RetryBatch(Exception):
    """Raised by a subscriber that saw a concurrent change; the whole batch is tried again."""


#: Attempts at a batch that meets concurrent writers (PostgreSQL: unique-key races, deadlocks).
ATTEMPTS = 5


def commit_rows(engine: Engine, workspace_id: int, rows: list[EventRow]) -> tuple[int, int, int]:
    """Store rows and run subscribers, in one transaction.

    Events of suppressed people are dropped (and counted on their suppression); duplicates by
    ``messageId`` are dropped. Returns ``(stored, duplicates, suppressed)``. When concurrent
    batches collide (two create the same person, or lock profiles in opposite orders), the
    transaction rolls back and the batch is tried again from the start.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _commit_once(engine, workspace_id, rows)
        except (RetryBatch, sa_exc.IntegrityError, sa_exc.OperationalError) as exc:
            if attempt == ATTEMPTS or not _retryable(exc):
                raise
            log.info("batch met a concurrent writer (%s); attempt %d", type(exc).__name__, attempt)
            time.sleep(random.uniform(0, 0.01 * attempt))
    raise AssertionError("unreachable")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, RetryBatch | sa_exc.IntegrityError):
        return True
    text = str(exc).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text


def _commit_once(engine: Engine, workspace_id: int, rows: list[EventRow]) -> tuple[int, int, int]:
    with storage.write_transaction(engine) as conn:
        kept, suppressed = drop_suppressed(conn, workspace_id, rows, utcnow())
        unique: dict[str, EventRow] = {}
        for row in kept:
            unique.setdefault(row["message_id"], row)
        batch = list(unique.values())
        prepared = [s.prepare(conn, workspace_id, batch) for s in _subscribers]
        inserted = set(append_events(conn, workspace_id, batch))
        stored = [row for mid, row in unique.items() if mid in inserted]
        for subscriber, state in zip(_subscribers, prepared, strict=True):
            subscriber.apply(conn, workspace_id, stored, state)
    return len(stored), len(kept) - len(stored), suppressed


def ingest(
    engine: Engine,
    workspace_id: int,
    messages: Sequence[Any],
    received_at: datetime,
    **options: Any,
) -> IngestResult:
    """Validate, deduplicate and commit ``messages``; options go to :func:`validate_messages`."""
    rows, rejected = validate_messages(messages, received_at, **options)
    stored, duplicates, suppressed = commit_rows(engine, workspace_id, rows) if rows else (0, 0, 0)
    return IngestResult(stored, duplicates, suppressed, rejected)
