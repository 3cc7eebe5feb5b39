"""Settings, errors, ids, time and JSON types: the parts every stage shares. No I/O."""

from __future__ import annotations

from ._clock import as_utc, utcnow
from ._errors import (
    BadRequest,
    ConfigurationError,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TailoredError,
    Unauthorized,
    ValidationError,
)
from ._heap import settle_heap
from ._ids import new_id
from ._json import JSONObject, JSONValue, dumps, loads
from ._privacy import Eraser, Exporter, Person, PersonalData, personal_data, register_personal_data
from ._settings import Settings, config_file

__all__ = [
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "Eraser",
    "Exporter",
    "Forbidden",
    "JSONObject",
    "JSONValue",
    "NotFound",
    "PayloadTooLarge",
    "Person",
    "PersonalData",
    "RateLimited",
    "Settings",
    "TailoredError",
    "Unauthorized",
    "ValidationError",
    "as_utc",
    "config_file",
    "dumps",
    "loads",
    "new_id",
    "personal_data",
    "register_personal_data",
    "settle_heap",
    "utcnow",
]
