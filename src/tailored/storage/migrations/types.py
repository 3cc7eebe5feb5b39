"""Column types referenced by migration scripts (kept stable for old revisions)."""

from __future__ import annotations

from tailored.storage._types import BigIntKey, JSONType, UTCDateTime

__all__ = ["BigIntKey", "JSONType", "UTCDateTime"]
