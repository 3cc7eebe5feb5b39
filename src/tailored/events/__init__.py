"""Events: the Segment-spec event log and the ingestion path."""

from __future__ import annotations

from ._log import EventRow, append_events, count_events, events, iter_events
from ._rows import MESSAGE_TYPES, parse_timestamp, to_event_row

__all__ = [
    "MESSAGE_TYPES",
    "EventRow",
    "append_events",
    "count_events",
    "events",
    "iter_events",
    "parse_timestamp",
    "to_event_row",
]
