"""The data of a results report: the exposed people and their later events, as numpy arrays.

A report on a million exposures reads a million rows, and a database driver builds a Python
object for every value it returns, which costs more than the query itself. So each column
comes back as one text of all its values (``group_concat`` on SQLite, ``string_agg`` on
PostgreSQL) that numpy parses. An experiment's people come from ``first_exposures`` (one row
per person, kept as exposures are logged); other cohorts' exposures are read from the
decision log and grouped into people here rather than by the database (SQLite's
``GROUP BY`` costs several scans of the same rows). Only the properties that metrics sum are
taken out of each event's JSON, by the database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine

from tailored.events import events

from ._exposures import exposed, first_exposure_query, from_ms
from ._model import Metric
from ._sticky import EXPOSURE_EVENT
from ._tables import decisions, first_exposures

_HOUR_MS = 3_600_000

#: Up to this many people, the database reads only their events, given their ids. Beyond,
#: the events of the experiment's time span are read and those of people not exposed are
#: dropped here: SQLite has no hash join, and filtering by a million people would cost it
#: about a second.
SQL_FILTER_MAX_PEOPLE = 20_000

#: Between profile ids in a packed column (ids holding it are read row by row instead).
_ID_SEPARATOR = "\x1f"

#: What a property name must not hold to be looked up by a SQLite JSON path.
_PATH_UNSAFE = re.compile(r'["\\\x00-\x1f]')


def epoch_ms(dialect: str, column: Any) -> Any:
    """``column`` (a UTC time) as epoch milliseconds, worked out by the database."""
    if dialect == "sqlite":
        return sa.func.round((sa.func.julianday(column) - 2440587.5) * 86400000.0)
    return sa.func.round(sa.extract("epoch", column) * 1000.0)


@dataclass(frozen=True)
class Cohort:
    """Which logged decisions expose people, and what splits them into groups."""

    where: tuple[Any, ...]
    group: Any


@dataclass(frozen=True)
class ExperimentCohort:
    """The people exposed to one experiment, split by variant (from ``first_exposures``)."""

    experiment: str


@dataclass(frozen=True)
class Needs:
    """What a report's metrics read from the event log."""

    names: tuple[str, ...]
    """The event names metrics count, sorted."""
    every: bool
    """Some metric reads every event (retention on any event)."""
    properties: tuple[str, ...]
    """The properties metrics sum, sorted."""
    lookback_ms: int
    """The longest metric window: how long before a first exposure events still count."""


def needs(chosen: Iterable[Metric], metrics: Mapping[str, Metric]) -> Needs:
    """What the ``chosen`` metrics (ratio metrics through their two parts) read."""
    names: set[str] = set()
    properties: set[str] = set()
    every = False
    longest = 0.0
    for metric in chosen:
        parts = [metric]
        if metric.type == "ratio":
            parts = [metrics[metric.numerator or ""], metrics[metric.denominator or ""]]
        for part in [metric, *parts]:
            longest = max(longest, part.window_hours)
        for part in parts:
            if part.property is not None and part.type == "sum":
                properties.add(part.property)
            if part.event is None:
                every = True
            else:
                names.add(part.event)
    return Needs(tuple(sorted(names)), every, tuple(sorted(properties)), int(longest * _HOUR_MS))


@dataclass(frozen=True)
class Data:
    """Exposed people and their later events, as arrays.

    People are sorted by variant, then by first exposure, so the people of a variant exposed
    by some moment are a slice (:meth:`members`).
    """

    variant: npt.NDArray[np.int64]
    """Per person: the index of their variant in the experiment's variants."""
    first: npt.NDArray[np.int64]
    """Per person: epoch ms of their first exposure."""
    excluded: int
    """How many people were left out for being exposed in several variants (or an unknown
    one)."""
    names: tuple[str, ...]
    """The event names that :attr:`name` indexes."""
    person: npt.NDArray[np.int64]
    """Per event: the index of its person."""
    name: npt.NDArray[np.int64]
    """Per event: the index of its name in :attr:`names`, -1 for any other name."""
    ts: npt.NDArray[np.int64]
    """Per event: epoch ms."""
    event_first: npt.NDArray[np.int64]
    """Per event: its person's first exposure (epoch ms)."""
    props: dict[str, npt.NDArray[np.float64]]
    """Per summed property and event: its numeric value (0 when not a number)."""

    @property
    def size(self) -> int:
        """How many people."""
        return len(self.variant)

    def members(self, code: int, cutoff: int | None = None) -> slice:
        """The people in variant ``code`` (exposed by ``cutoff``, epoch ms, when given)."""
        low, high = (int(n) for n in np.searchsorted(self.variant, [code, code + 1]))
        if cutoff is not None:
            high = low + int(np.searchsorted(self.first[low:high], cutoff, side="right"))
        return slice(low, high)


def load(
    engine: Engine,
    workspace_id: int,
    cohort: Cohort | ExperimentCohort,
    variants: Sequence[str],
    wanted: Needs,
    until: datetime,
) -> Data:
    """The exposed people (those seen in one known variant only) and their events up to
    ``until``."""
    with engine.connect() as conn:
        if isinstance(cohort, ExperimentCohort):
            found = _experiment_data(conn, workspace_id, cohort.experiment, variants, wanted, until)
        else:
            found = _logged_data(conn, workspace_id, cohort, variants, wanted, until)
    people, person, (name, ts, *props) = found
    keep = person >= 0
    person = person[keep]
    return Data(
        variant=people.variant,
        first=people.first,
        excluded=people.excluded,
        names=wanted.names,
        person=person,
        name=name[keep],
        ts=ts[keep],
        event_first=people.first[person],
        props={p: v[keep] for p, v in zip(wanted.properties, props, strict=True)},
    )


#: People, then per event read the place of its person among them (-1: none), then the
#: events' other columns.
_Found = tuple["_Groups", npt.NDArray[np.int64], list[npt.NDArray[Any]]]


def _experiment_data(
    conn: Connection,
    workspace_id: int,
    experiment: str,
    variants: Sequence[str],
    wanted: Needs,
    until: datetime,
) -> _Found:
    """People from ``first_exposures``; each event joined to its person's number there."""
    query = first_exposure_query(workspace_id, experiment, variants, until)
    numbers, codes, first = _read_numbers(conn, query, [np.int64] * 3)
    people = _groups(codes, codes, first)
    if not len(people.variant):
        return people, np.zeros(0, dtype=np.int64), _no_events(wanted)
    # A left join: SQLite then reads the events first and looks each one's person up.
    joined = events.outerjoin(
        first_exposures, exposed(workspace_id, experiment, events.c.profile_id)
    )
    number = sa.func.coalesce(first_exposures.c.id, -1)
    query = _events(conn, workspace_id, wanted, _since(people, wanted), until, number)
    query = query.select_from(joined)
    if len(people.variant) <= SQL_FILTER_MAX_PEOPLE:
        c = first_exposures.c
        # The bound on first_ms has the experiment's index chosen, not a scan of the
        # workspace's people.
        ids = sa.select(c.profile_id).where(
            c.workspace_id == workspace_id,
            c.experiment == experiment,
            c.first_ms <= int(people.first.max()),
        )
        query = query.where(events.c.profile_id.in_(ids))
    keys, *columns = _read_numbers(conn, query, [np.int64, *_event_dtypes(wanted)])
    order = np.argsort(numbers)
    ranked = numbers[order]
    at = np.minimum(np.searchsorted(ranked, keys), len(ranked) - 1)
    known = ranked[at] == keys
    return people, np.where(known, people.position[order[at]], -1), columns


def _logged_data(
    conn: Connection,
    workspace_id: int,
    cohort: Cohort,
    variants: Sequence[str],
    wanted: Needs,
    until: datetime,
) -> _Found:
    """Exposures from the decision log, grouped into people here; events by profile id."""
    index, people = _people(*_read(conn, _exposures(conn, cohort, variants, until),
                                   [np.int64, np.int64]))  # fmt: skip
    if not len(people.variant):
        return people, np.zeros(0, dtype=np.int64), _no_events(wanted)
    query = _events(conn, workspace_id, wanted, _since(people, wanted), until)
    if len(people.variant) <= SQL_FILTER_MAX_PEOPLE:
        known = list(index)
        exposed = [known[n] for n in np.flatnonzero(people.position >= 0)]
        query = query.where(_among(conn, events.c.profile_id, exposed))
    keys, columns = _read(conn, query, _event_dtypes(wanted))
    found = map(index.get, keys, itertools.repeat(-1))
    number = np.fromiter(found, np.int64, len(keys))
    return people, np.where(number >= 0, people.position[number], -1), columns


def _since(people: _Groups, wanted: Needs) -> datetime:
    """How far back events are read: the longest metric window before the first exposure."""
    start = from_ms(int(people.first.min()))
    return start - timedelta(milliseconds=wanted.lookback_ms, seconds=1)


def _event_dtypes(wanted: Needs) -> list[type[np.generic]]:
    """The types of the events' columns after the person: name, time, summed properties."""
    return [np.int64, np.int64] + [np.float64] * len(wanted.properties)


def _no_events(wanted: Needs) -> list[npt.NDArray[Any]]:
    return [np.zeros(0, dtype=d) for d in _event_dtypes(wanted)]


def _exposures(
    conn: Connection, cohort: Cohort, variants: Sequence[str], until: datetime
) -> sa.Select[Any]:
    """Per logged exposure: the person, the index of their group (-1 if not a variant), when."""
    code = sa.case({v: n for n, v in enumerate(variants)}, value=cohort.group, else_=-1)
    when = sa.cast(epoch_ms(conn.dialect.name, decisions.c.decided_at), sa.BigInteger)
    return sa.select(decisions.c.profile_id, code, when).where(
        *cohort.where, decisions.c.decided_at <= until, decisions.c.profile_id.is_not(None)
    )


def _events(
    conn: Connection,
    workspace_id: int,
    wanted: Needs,
    since: datetime,
    until: datetime,
    person: Any = events.c.profile_id,
) -> sa.Select[Any]:
    """Per event metrics may read: the ``person`` (its profile id by default), the index of
    its name, when, summed properties."""
    dialect = conn.dialect.name
    name: Any = sa.literal(-1)
    if wanted.names:
        codes = {n: k for k, n in enumerate(wanted.names)}
        name = sa.case(codes, value=events.c.event, else_=-1)
    when = sa.cast(epoch_ms(dialect, events.c.timestamp), sa.BigInteger)
    numbers = [_number_text(conn, p) for p in wanted.properties]
    query = sa.select(person, name, when, *numbers).where(
        events.c.workspace_id == workspace_id,
        events.c.type == "track",
        events.c.profile_id.is_not(None),
        events.c.timestamp >= since,
        events.c.timestamp <= until,
        events.c.event != EXPOSURE_EVENT,
    )
    if not wanted.every:
        query = query.where(events.c.event.in_(wanted.names))
    return query


def _among(conn: Connection, column: Any, values: list[str]) -> Any:
    """``column`` is one of ``values``: on SQLite through one JSON array, as it caps the
    number of bound values (at 999 before 3.32)."""
    if conn.dialect.name != "sqlite":
        return column.in_(values)
    listed = sa.func.json_each(orjson.dumps(values).decode()).table_valued("value")
    return column.in_(sa.select(listed.c.value))


def _number_text(conn: Connection, name: str) -> Any:
    """Property ``name`` of each event as the text of its number, ``'0'`` when it is not a
    JSON number (missing, null, a boolean, a string, an object), as ``_log.number`` reads it.

    The number's own text, so it parses to the same double as when the JSON is decoded. Any
    key is safe: it is a bound value, and within a JSON path only when quoting it works.
    """
    if conn.dialect.name == "postgresql":
        node = sa.type_coerce(events.c.properties, JSONB)[name]
        return sa.case((sa.func.jsonb_typeof(node) == "number", node.astext), else_="0")
    properties = sa.type_coerce(events.c.properties, sa.Text)
    version = conn.dialect.server_version_info or ()
    if version >= (3, 38) and not _PATH_UNSAFE.search(name):
        # SQLite's path syntax has no escapes, and keys are matched as written in the JSON,
        # where a quote, a backslash or a control character is escaped.
        path = f'$."{name}"'
        number = sa.func.json_type(properties, path).in_(("integer", "real"))
        return sa.case((number, properties.op("->", return_type=sa.Text)(path)), else_="0")
    each = sa.func.json_each(properties).table_valued("key", "value", "type")
    # 17 significant digits read back as the same double (below 1e200, as any amount is).
    found = (
        sa.select(sa.func.printf("%!.17g", each.c.value))
        .where(each.c.key == name, each.c.type.in_(("integer", "real")))
        .scalar_subquery()
    )
    return sa.func.coalesce(found, "0")


def _read(
    conn: Connection, query: sa.Select[Any], dtypes: Sequence[type[np.generic]]
) -> tuple[list[str], list[npt.NDArray[Any]]]:
    """The rows of ``query`` (a profile id, then numbers of ``dtypes``) as the list of ids and
    one array per numeric column, each column read as one packed text."""
    columns = list(query.subquery().c)
    packed = [_packed(conn, columns[0], _ID_SEPARATOR)]
    packed += [_packed(conn, c, ",") for c in columns[1:]]
    count, ids, *texts = conn.execute(sa.select(sa.func.count(), *packed)).one()
    keys = ids.split(_ID_SEPARATOR) if count else []
    if len(keys) != count:  # some id holds the separator
        rows = conn.execute(query).all()
        arrays = [np.array([row[n] for row in rows], dtype=d) for n, d in enumerate(dtypes, 1)]
        return [row[0] for row in rows], arrays
    parsed = zip(texts, dtypes, strict=True)
    return keys, [np.fromstring(text or "", dtype=d, sep=",") for text, d in parsed]


def _read_numbers(
    conn: Connection, query: sa.Select[Any], dtypes: Sequence[type[np.generic]]
) -> list[npt.NDArray[Any]]:
    """The columns of ``query`` (numbers of ``dtypes``, never null) as arrays, each read as
    one packed text."""
    packed = [_packed(conn, c, ",") for c in query.subquery().c]
    texts = conn.execute(sa.select(*packed)).one()
    parsed = zip(texts, dtypes, strict=True)
    return [np.fromstring(text or "", dtype=d, sep=",") for text, d in parsed]


def _packed(conn: Connection, column: Any, separator: str) -> Any:
    """The aggregate joining every value of ``column`` (never null) into one text."""
    if conn.dialect.name == "sqlite":
        return sa.func.group_concat(column, separator, type_=sa.Text)
    return sa.func.string_agg(sa.cast(column, sa.Text), separator, type_=sa.Text)


@dataclass(frozen=True)
class _Groups:
    """People kept (seen in one variant only), sorted by variant then first exposure."""

    position: npt.NDArray[np.int64]
    """Per person number: their place among those kept, -1 when left out."""
    variant: npt.NDArray[np.int64]
    first: npt.NDArray[np.int64]
    excluded: int


def _groups(
    low: npt.NDArray[np.int64], high: npt.NDArray[np.int64], first: npt.NDArray[np.int64]
) -> _Groups:
    """People numbered 0..n-1 by the lowest and highest group code they were seen in (-1:
    none of the variants) and their first exposure; those seen in several groups, or in one
    that is no variant, are left out."""
    kept = np.flatnonzero((low == high) & (low >= 0))
    order = kept[np.lexsort((first[kept], low[kept]))]
    position = np.full(len(low), -1, dtype=np.int64)
    position[order] = np.arange(len(order))
    return _Groups(position, low[order], first[order], len(low) - len(order))


def _people(ids: list[str], columns: list[npt.NDArray[Any]]) -> tuple[dict[str, int], _Groups]:
    """Exposures (``ids`` with their group codes and epoch ms) grouped into people: each
    profile id's number, in order of first appearance, and the people kept."""
    codes, when = columns
    index = dict(zip(ids, itertools.count()))
    low = high = codes
    first = when
    if len(index) < len(ids):  # some people were exposed more than once
        index = dict(zip(dict.fromkeys(ids), itertools.count()))
        number = np.fromiter(map(index.__getitem__, ids), np.int64, len(ids))
        low = np.full(len(index), np.iinfo(np.int64).max, dtype=np.int64)
        high = np.full(len(index), np.iinfo(np.int64).min, dtype=np.int64)
        first = np.full(len(index), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(low, number, codes)
        np.maximum.at(high, number, codes)
        np.minimum.at(first, number, when)
    return index, _groups(low, high, first)
