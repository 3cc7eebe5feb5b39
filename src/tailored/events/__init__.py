"""Events: the Segment-spec event log and the ingestion path."""

from __future__ import annotations

from ._log import EventRow, append_events, count_events, events, iter_events

__all__ = ["EventRow", "append_events", "count_events", "events", "iter_events"]
