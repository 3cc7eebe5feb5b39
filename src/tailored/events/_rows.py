"""Validating a Segment-spec message and turning it into the row the event log stores.

Every problem is reported with the JSON path of the field (``batch[3].userId``) and why.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from tailored.core import ValidationError, as_utc

from ._log import EventRow

MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
JUNK_IDS = frozenset(
    {"", "0", "-1", "null", "undefined", "anonymous", "none", "nil", "nan"}
    | {"00000000-0000-0000-0000-000000000000"}
)
_MAX_ID = 255
_MAX_FUTURE = timedelta(days=1)
_OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
_REQUIRED = {"track": ("event",), "group": ("groupId",), "alias": ("previousId", "userId")}
_EXTRA_FIELDS = {
    "page": ("name", "category"),
    "screen": ("name", "category"),
    "group": ("groupId",),
    "alias": ("previousId",),
}


def _fail(loc: str, message: str) -> ValidationError:
    return ValidationError(f"{loc}: {message}", [{"loc": loc, "message": message}])


def parse_timestamp(value: Any, field: str = "timestamp") -> datetime:
    """An ISO 8601 string (``Z`` allowed) or datetime as aware UTC."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        try:
            return as_utc(datetime.fromisoformat(value))
        except ValueError:
            pass
    raise _fail(field, f"{value!r} is not an ISO 8601 timestamp such as 2024-05-01T12:00:00Z")


def _identifier(message: dict[str, Any], field: str, where: str) -> str | None:
    value = message.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(f"{where}{field}", f"must be a string, not {type(value).__name__}")
    text = str(value).strip() if isinstance(value, str) else str(value)
    if text.lower() in JUNK_IDS:
        raise _fail(f"{where}{field}", f"{value!r} is a placeholder, not an identifier")
    if len(text) > _MAX_ID:
        raise _fail(f"{where}{field}", f"longer than {_MAX_ID} characters")
    return text


def _check_shape(kind: str, message: dict[str, Any], where: str) -> None:
    for name in _OBJECT_FIELDS:
        value = message.get(name)
        if value is not None and not isinstance(value, dict):
            raise _fail(f"{where}{name}", f"must be an object, not {type(value).__name__}")
    for name in _REQUIRED.get(kind, ()):
        value = message.get(name)
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
            raise _fail(f"{where}{name}", f"is required for {kind} calls (a non-empty string)")
    event = message.get("event")
    if kind == "track" and isinstance(event, str) and len(event) > _MAX_ID:
        raise _fail(f"{where}event", f"longer than {_MAX_ID} characters")
    message_id = message.get("messageId")
    if message_id is not None and (not isinstance(message_id, str) or len(message_id) > _MAX_ID):
        raise _fail(f"{where}messageId", f"must be a string of at most {_MAX_ID} characters")


def event_time(
    message: dict[str, Any], received_at: datetime, sent_at: Any, where: str = ""
) -> tuple[datetime, dict[str, Any]]:
    """When the event happened, corrected for the client's clock, and what was corrected.

    ``timestamp = receivedAt - (sentAt - timestamp)``; a time more than a day ahead of
    ``received_at`` is clamped to it.
    """
    raw = message.get("timestamp", message.get("originalTimestamp"))
    if raw is None:
        return received_at, {}
    stamp = parse_timestamp(raw, f"{where}timestamp")
    notes: dict[str, Any] = {}
    sent_raw = message.get("sentAt", sent_at)
    if sent_raw is not None:
        sent = parse_timestamp(sent_raw, f"{where}sentAt")
        corrected = received_at - (sent - stamp)
        if corrected != stamp:
            notes["originalTimestamp"] = stamp.isoformat()
        stamp = corrected
    if stamp - received_at > _MAX_FUTURE:
        notes["originalTimestamp"] = notes.get("originalTimestamp", stamp.isoformat())
        notes["clamped"] = True
        stamp = received_at
    return stamp, notes


def to_event_row(
    message: Any,
    received_at: datetime,
    *,
    kind: str | None = None,
    sent_at: Any = None,
    where: str = "",
) -> EventRow:
    """Validate one message and return its stored form (``messageId`` assigned if missing).

    Args:
        message: The decoded JSON message.
        received_at: When the server received it.
        kind: The message type implied by the endpoint (``/v1/track``); otherwise ``type``.
        sent_at: The request's ``sentAt``, used when the message has none.
        where: Prefix for error locations, e.g. ``"batch[3]."``.
    """
    if not isinstance(message, dict):
        raise _fail(where.rstrip(".") or "body", "must be a JSON object")
    kind = kind or message.get("type")
    if kind not in MESSAGE_TYPES:
        raise _fail(f"{where}type", f"{kind!r} is not one of {', '.join(MESSAGE_TYPES)}")
    _check_shape(kind, message, where)
    user_id = _identifier(message, "userId", where)
    anonymous_id = _identifier(message, "anonymousId", where)
    if user_id is None and anonymous_id is None:
        raise _fail(f"{where}userId", "a userId or an anonymousId is required")
    if kind == "alias":
        _identifier(message, "previousId", where)
    stamp, notes = event_time(message, received_at, sent_at, where)
    extra = {f: message[f] for f in _EXTRA_FIELDS.get(kind, ()) if f in message} | notes
    body = "traits" if kind in ("identify", "group") else "properties"
    return {
        "message_id": str(message.get("messageId") or uuid.uuid4()),
        "type": kind,
        "event": str(message["event"]) if kind == "track" else None,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "timestamp": stamp,
        "received_at": received_at,
        "properties": message.get("properties") if body == "properties" else None,
        "traits": message.get("traits") if body == "traits" else None,
        "context": message.get("context"),
        "extra": extra or None,
    }
