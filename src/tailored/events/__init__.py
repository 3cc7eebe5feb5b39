"""Events: the Segment-spec event log and the ingestion path."""

from __future__ import annotations

from ._ingest import (
    IngestResult,
    Rejection,
    Subscriber,
    commit_rows,
    ingest,
    subscribe,
    validate_messages,
)
from ._log import EventRow, append_events, count_events, events, iter_events
from ._rows import JUNK_IDS, MESSAGE_TYPES, event_time, parse_timestamp, to_event_row

__all__ = [
    "JUNK_IDS",
    "MESSAGE_TYPES",
    "EventRow",
    "IngestResult",
    "Rejection",
    "Subscriber",
    "append_events",
    "commit_rows",
    "count_events",
    "event_time",
    "events",
    "ingest",
    "iter_events",
    "parse_timestamp",
    "subscribe",
    "to_event_row",
    "validate_messages",
]
