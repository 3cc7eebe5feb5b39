"""The person a decision is for: their profile read in one statement, their attributes, their
consent, and the request that names them."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tailored import events as events_stage
from tailored import profiles as profiles_stage
from tailored import storage
from tailored.profiles import identities
from tailored.profiles import profiles as profiles_table
from tailored.segments import members, profile_attributes

from ._compiled import CompiledConfig, compiled_config, fresh_config, invalidate


@dataclass(frozen=True)
class DecideRequest:
    """Who is deciding, in what context, and for what."""

    user_id: str | None = None
    anonymous_id: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    """The request's context in Segment's shape: ``page``, ``userAgent``, ``locale``..."""
    placements: tuple[str, ...] | None = None
    """Placements to decide; every placement when None."""
    flags: tuple[str, ...] | None = None
    """Flags to evaluate; every flag when None."""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    """Extra attributes for conditions (they win over the profile's)."""
    dry_run: bool = False
    """Decide without logging exposures (previews, QA)."""
    gpc: bool = False
    """The request carried the Global Privacy Control signal (``Sec-GPC: 1``)."""


@dataclass(frozen=True)
class Person:
    """What a decision knows of the person."""

    profile_id: str | None
    state: dict[str, Any]
    segments: frozenset[str]
    score: dict[str, Any] | None


_scores = profiles_stage.scores
# Built once: a decision reads the person, scores and segment ids in one prepared statement.
_SEGMENT_IDS = (
    sa.select(sa.func.aggregate_strings(sa.cast(members.c.segment_id, sa.String), ","))
    .where(members.c.profile_id == profiles_table.c.id)
    .scalar_subquery()
)
_PERSON = (
    sa.select(
        identities.c.kind,
        identities.c.value,
        profiles_table.c.id,
        profiles_table.c.state,
        _scores.c.recency,
        _scores.c.frequency,
        _scores.c.monetary,
        _scores.c.segment,
        _scores.c.p_alive,
        _SEGMENT_IDS.label("segment_ids"),
    )
    .join(profiles_table, profiles_table.c.id == identities.c.profile_id)
    .outerjoin(_scores, _scores.c.profile_id == profiles_table.c.id)
    .where(
        identities.c.workspace_id == sa.bindparam("workspace"),
        identities.c.kind.in_(["user", "anonymous"]),
        identities.c.value.in_(sa.bindparam("ids", expanding=True)),
        profiles_table.c.merged_into.is_(None),
    )
)
#: The same on SQLite, sent straight to the driver (an ``IN`` list of ids follows): no
#: transaction to begin and end for one read, no per-value parameter rendering; the state's
#: JSON is decoded by orjson.
_SQLITE_PERSON = (
    "SELECT i.kind, i.value, p.id, p.state, s.recency, s.frequency, s.monetary, s.segment, "
    "s.p_alive, (SELECT group_concat(m.segment_id, ',') FROM segment_members AS m "
    "WHERE m.profile_id = p.id) "
    "FROM profile_identities AS i JOIN profiles AS p ON p.id = i.profile_id "
    "LEFT OUTER JOIN profile_scores AS s ON s.profile_id = p.id "
    "WHERE i.workspace_id = ? AND i.kind IN ('user', 'anonymous') AND p.merged_into IS NULL "
    "AND i.value IN "
)


def load_person(
    conn: Connection, workspace_id: int, ids: list[str], config: CompiledConfig
) -> tuple[Person, CompiledConfig]:
    """The person known by the first of ``ids`` that has a profile (a stranger otherwise);
    an id is looked up as a ``userId`` before an ``anonymousId``."""
    rows = _read(conn, workspace_id, ids)
    person, complete = _person(rows, ids, config)
    if not complete:
        invalidate(conn, workspace_id)  # a segment this process has not compiled yet
        config = compiled_config(conn, workspace_id)
        person, _ = _person(rows, ids, config)
    return person, config


def load_person_at_once(
    engine: Engine, workspace_id: int, ids: list[str]
) -> tuple[Person, CompiledConfig] | None:
    """:func:`load_person` in one statement on the calling thread's own reader
    (:func:`tailored.storage.sqlite_reader`), when the configuration this process holds is
    fresh; None when it cannot (not a SQLite file, a configuration to check, a segment this
    process has not compiled): use :func:`load_person` then."""
    config = fresh_config(engine, workspace_id)
    if config is None:
        return None
    reader = storage.sqlite_reader(engine)
    if reader is None:
        return None
    person, complete = _person(_sqlite_rows(reader, workspace_id, ids), ids, config)
    return (person, config) if complete else None


def _person(rows: list[_Row], ids: list[str], config: CompiledConfig) -> tuple[Person, bool]:
    """The person of ``rows`` (see :func:`load_person`) in the segments ``config`` knows, and
    whether it knows all of theirs."""
    if not rows:
        return Person(None, {}, frozenset(), None), True
    row = min(rows, key=lambda r: (ids.index(r.value), r.kind != "user"))
    segment_ids = [int(s) for s in row.segment_ids.split(",")] if row.segment_ids else []
    keys = config.segment_keys
    segments = frozenset(keys[s] for s in segment_ids if s in keys)
    score = None
    if row.recency is not None:
        score = {
            "rfm": {"recency": row.recency, "frequency": row.frequency, "monetary": row.monetary},
            "rfm_segment": row.segment,
            "probability_alive": row.p_alive,
        }
    complete = len(segments) == len(segment_ids)
    return Person(str(row.id), row.state or {}, segments, score), complete


class _Row(NamedTuple):
    kind: str
    value: str
    id: str
    state: dict[str, Any] | None
    recency: int | None
    frequency: int | None
    monetary: int | None
    segment: str | None
    p_alive: float | None
    segment_ids: str | None


def _read(conn: Connection, workspace_id: int, ids: list[str]) -> list[_Row]:
    """The rows of :data:`_PERSON`: on SQLite through the driver's own connection (in
    autocommit mode, so the read is one statement), elsewhere through SQLAlchemy."""
    if conn.dialect.name != "sqlite":
        found = conn.execute(_PERSON, {"workspace": workspace_id, "ids": ids})
        return [_Row._make(row) for row in found]
    return _sqlite_rows(storage.sqlite_driver(conn), workspace_id, ids)


def _sqlite_rows(driver: sqlite3.Connection, workspace_id: int, ids: list[str]) -> list[_Row]:
    sql = f"{_SQLITE_PERSON}({storage.sqlite_placeholders(len(ids))})"
    rows = driver.execute(sql, (workspace_id, *ids)).fetchall()
    return [_Row._make((*r[:3], orjson.loads(r[3]) if r[3] else None, *r[4:])) for r in rows]


#: Attributes taken from the request's context, and the profile's cheap parts.
_CONTEXT_ATTRIBUTES = frozenset({"page", "referrer", "utm", "channel", "device", "locale"})
_CHEAP_PROFILE = frozenset({"traits", "consent", "rfm", "rfm_segment", "probability_alive"})
_ALWAYS = frozenset({"id", "user_id", "anonymous_id", "profile_id", "segments", "context"})


def request_attributes(
    request: DecideRequest,
    person: Person,
    now: datetime,
    hash_id: str,
    reads: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The attributes conditions see: profile fields, segments, and the request's context.

    With ``reads`` (the names the configuration's conditions use) only the groups those names
    need are worked out: the profile's computed traits and the parsed context are the costly
    ones.
    """
    attrs: dict[str, Any] = {}
    state = person.state
    computed = None if reads is None else reads - _ALWAYS - _CONTEXT_ATTRIBUTES - _CHEAP_PROFILE
    if computed is None or computed:
        if state:
            attrs.update(profile_attributes(state, now, person.score, computed))
    elif reads is not None and reads & _CHEAP_PROFILE:
        attrs["traits"] = {key: entry[0] for key, entry in state.get("traits", {}).items()}
        attrs["consent"] = {key: entry[0] for key, entry in state.get("consent", {}).items()}
        if person.score is not None:
            attrs["rfm"] = person.score["rfm"]
            attrs["rfm_segment"] = person.score["rfm_segment"]
            attrs["probability_alive"] = person.score["probability_alive"]
    attrs.update(
        {
            "id": hash_id,
            "user_id": request.user_id,
            "anonymous_id": request.anonymous_id,
            "profile_id": person.profile_id,
            "segments": sorted(person.segments),
            "context": request.context,
        }
    )
    if reads is None or reads & (_CONTEXT_ATTRIBUTES - {"locale"}):
        attrs.update(context_attributes(request.context))
    elif "locale" in reads:
        attrs["locale"] = events_stage.normalize_locale(request.context.get("locale"))
    attrs.update(request.attributes)
    return attrs


def context_attributes(context: Mapping[str, Any]) -> dict[str, Any]:
    """``page``, ``referrer``, ``utm``, ``channel``, ``device`` and ``locale`` of a context."""
    parsed = events_stage.parse_context({"context": context}, ip_mode="drop")
    return {
        "page": {"url": parsed.page_url, "path": parsed.page_path, "host": parsed.page_host},
        "referrer": {"host": parsed.referrer_host, "type": parsed.referrer_type},
        "utm": {
            "source": parsed.utm_source,
            "medium": parsed.utm_medium,
            "campaign": parsed.utm_campaign,
        },
        "channel": parsed.channel,
        "device": {"type": parsed.device_type, "browser": parsed.browser, "os": parsed.os},
        "locale": parsed.locale,
    }


def has_consent(person: Person, request: DecideRequest) -> bool:
    """Whether personalization is allowed: not withdrawn and no Global Privacy Control."""
    if request.gpc or request.context.get("gpc") in (True, 1, "1", "true"):
        return False
    choices = events_stage.consent_choices(request.context)
    if "personalization" in choices:
        return choices["personalization"][0]
    entry = person.state.get("consent", {}).get("personalization")
    return True if entry is None else bool(entry[0])
