"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from tailored.core import as_utc

#: An auto-incrementing 64-bit key (SQLite needs INTEGER for its rowid alias).
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")

#: JSON stored as JSONB on PostgreSQL, as text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back as an aware UTC ``datetime``.

    SQLite has no time zones: values are stored as naive UTC and made aware on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        return as_utc(value)


def sqlite_time(moment: datetime) -> str:
    """The text :class:`UTCDateTime` stores on SQLite, for statements sent to the driver."""
    t = as_utc(moment)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"
    )


def sqlite_json(value: Any) -> str | None:
    """The text :data:`JSONType` stores on SQLite, for statements sent to the driver."""
    return None if value is None else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def sqlite_placeholders(count: int) -> str:
    """``?, ?, ...``: an ``IN`` list of ``count`` values for a statement sent to the driver."""
    return ", ".join("?" * count)


def sqlite_insert(table: str, columns: Sequence[str], *, or_ignore: bool = False) -> str:
    """The insert of one row of ``columns`` into ``table``, for the driver's ``executemany``
    (``OR IGNORE`` skips rows that break a unique constraint)."""
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    marks = sqlite_placeholders(len(columns))
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({marks})"
