"""Turning a Segment-spec message into the row the event log stores."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tailored.core import ValidationError, as_utc

from ._log import EventRow

MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
_EXTRA_FIELDS = {
    "page": ("name", "category"),
    "screen": ("name", "category"),
    "group": ("groupId",),
    "alias": ("previousId",),
}


def parse_timestamp(value: Any, field: str = "timestamp") -> datetime:
    """An ISO 8601 string (``Z`` allowed) or datetime as aware UTC."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise ValidationError(
        f"{field}: {value!r} is not an ISO 8601 timestamp",
        [{"loc": field, "message": "expected an ISO 8601 timestamp such as 2024-05-01T12:00:00Z"}],
    )


def _optional_id(message: dict[str, Any], field: str) -> str | None:
    value = message.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(
            f"{field} must be a string", [{"loc": field, "message": "must be a string"}]
        )
    return str(value)


def to_event_row(message: dict[str, Any], received_at: datetime) -> EventRow:
    """The stored form of one message (``messageId`` assigned if missing)."""
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        raise ValidationError(
            f"type: {kind!r} is not one of {', '.join(MESSAGE_TYPES)}",
            [{"loc": "type", "message": f"must be one of {', '.join(MESSAGE_TYPES)}"}],
        )
    user_id = _optional_id(message, "userId")
    anonymous_id = _optional_id(message, "anonymousId")
    if user_id is None and anonymous_id is None:
        raise ValidationError(
            "a message needs a userId or an anonymousId",
            [{"loc": "userId", "message": "userId or anonymousId is required"}],
        )
    stamp = message.get("timestamp")
    extra = {f: message[f] for f in _EXTRA_FIELDS.get(kind, ()) if f in message}
    body = "traits" if kind in ("identify", "group") else "properties"
    return {
        "message_id": str(message.get("messageId") or uuid.uuid4()),
        "type": kind,
        "event": message.get("event") if kind == "track" else None,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "timestamp": parse_timestamp(stamp) if stamp is not None else received_at,
        "received_at": received_at,
        "properties": message.get("properties") if body == "properties" else None,
        "traits": message.get("traits") if body == "traits" else None,
        "context": message.get("context"),
        "extra": extra or None,
    }
