"""Events: the Segment-spec event log and the ingestion path."""

from __future__ import annotations

from . import _privacy  # noqa: F401  (registers the event log with the privacy registry)
from ._bulk import ImportSummary, import_file
from ._context import ParsedContext, default_channel, parse_context
from ._enrich import consent_choices, enrich
from ._files import FORMATS, count_rows, detect_format, read_messages
from ._ingest import (
    MAX_EVENT_BYTES,
    IngestResult,
    Rejection,
    RetryBatch,
    Subscriber,
    commit_rows,
    ingest,
    subscribe,
    validate_messages,
)
from ._log import EventRow, append_events, count_events, events, iter_events
from ._rows import JUNK_IDS, MESSAGE_TYPES, event_time, parse_timestamp, to_event_row
from ._suppress import IdKind, digest, drop_suppressed, is_suppressed, suppress, suppressions
from ._useragent import normalize_locale

__all__ = [
    "FORMATS",
    "JUNK_IDS",
    "MAX_EVENT_BYTES",
    "MESSAGE_TYPES",
    "EventRow",
    "IdKind",
    "ImportSummary",
    "IngestResult",
    "ParsedContext",
    "Rejection",
    "RetryBatch",
    "Subscriber",
    "append_events",
    "commit_rows",
    "consent_choices",
    "count_events",
    "count_rows",
    "default_channel",
    "detect_format",
    "digest",
    "drop_suppressed",
    "enrich",
    "event_time",
    "events",
    "import_file",
    "ingest",
    "is_suppressed",
    "iter_events",
    "normalize_locale",
    "parse_context",
    "parse_timestamp",
    "read_messages",
    "subscribe",
    "suppress",
    "suppressions",
    "to_event_row",
    "validate_messages",
]
