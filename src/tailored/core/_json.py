"""JSON types and the fast (orjson) encoder used for storage and HTTP."""

from __future__ import annotations

from typing import Any, TypeAlias

import orjson

JSONScalar: TypeAlias = str | int | float | bool | None
JSONValue: TypeAlias = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]
JSONObject: TypeAlias = dict[str, Any]


def dumps(value: Any) -> str:
    """Serialise to a JSON string (datetimes as ISO 8601, non-str dict keys allowed)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def loads(value: str | bytes) -> Any:
    """Parse a JSON string or bytes."""
    return orjson.loads(value)
