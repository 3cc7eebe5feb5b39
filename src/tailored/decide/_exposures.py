"""First exposures: per experiment and person, the variant and the time of the first one.

Experiment results need, per person, the variant of their first exposure, when it was, and
whether they were also exposed in another variant (they are then left out). Working that out
from the decision log means reading and grouping every logged exposure on each report: a
million rows for a million exposures. ``first_exposures`` keeps the answer as exposures are
logged, in the same transaction, with one statement per batch. A row changes only when an
exposure comes before the first one (batches may arrive out of order) or is the earliest in
another variant; a later exposure in the same variant, the usual case, writes nothing.

Times are epoch milliseconds, rounded half up.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tailored.core import as_utc

from ._tables import first_exposures

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    """``moment`` as epoch milliseconds, rounded half up (a naive time is taken as UTC).

    >>> to_ms(datetime(1970, 1, 1, 0, 0, 1, 2500, tzinfo=UTC))
    1003
    """
    delta = as_utc(moment) - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return (micros + 500) // 1000


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds as an aware UTC time."""
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class _First:
    """What is kept of one person's exposures to one experiment."""

    variant: str | None
    first_ms: int
    other_ms: int | None


def _least(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def _combine(x: _First, y: _First) -> _First:
    """Two records of one person and experiment as one: the rule the upsert follows too."""
    if y.first_ms < x.first_ms:
        x, y = y, x
    other = y.other_ms if y.variant == x.variant else y.first_ms
    return _First(x.variant, x.first_ms, _least(x.other_ms, other))


def is_experiment_exposure(decision: Mapping[str, Any]) -> bool:
    """A logged decision that exposes a known person to an experiment (what results count)."""
    return (
        decision.get("reason") == "experiment"
        and decision.get("experiment") is not None
        and decision.get("profile_id") is not None
    )


def record_first_exposures(conn: Connection, decisions: Iterable[Mapping[str, Any]]) -> int:
    """Fold logged decisions (rows of ``decisions``) into ``first_exposures``.

    One statement for the whole batch, none when no decision is an experiment exposure.
    Returns how many people and experiments the batch touched.
    """
    folded: dict[tuple[int, str, str], _First] = {}
    for row in decisions:
        if not is_experiment_exposure(row):
            continue
        key = (row["workspace_id"], row["experiment"], row["profile_id"])
        seen = _First(row.get("variant"), to_ms(row["decided_at"]), None)
        before = folded.get(key)
        folded[key] = seen if before is None else _combine(before, seen)
    if not folded:
        return 0
    # In key order, so that concurrent batches lock rows in the same order (PostgreSQL).
    rows = [
        {"workspace_id": ws, "experiment": experiment, "profile_id": profile,
         "variant": first.variant, "first_ms": first.first_ms, "other_ms": first.other_ms}
        for (ws, experiment, profile), first in sorted(folded.items())
    ]  # fmt: skip
    conn.execute(_upsert(conn.dialect.name), rows)
    return len(rows)


def _least_sql(a: Any, b: Any) -> Any:
    """The smaller of two nullable numbers, None only when both are."""
    return sa.case((a.is_(None), b), (b.is_(None) | (a <= b), a), else_=b)


@functools.cache
def _upsert(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` combining a row with the stored one as
    :func:`_combine` does, and writing only when that changes it."""
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    statement = insert(first_exposures)
    old, new = first_exposures.c, statement.excluded
    earlier = new.first_ms < old.first_ms
    same = new.variant.is_not_distinct_from(old.variant)
    other = sa.case(
        (earlier, _least_sql(new.other_ms, sa.case((same, old.other_ms), else_=old.first_ms))),
        else_=_least_sql(old.other_ms, sa.case((same, new.other_ms), else_=new.first_ms)),
    )
    return statement.on_conflict_do_update(
        index_elements=[old.workspace_id, old.profile_id, old.experiment],
        set_={
            "variant": sa.case((earlier, new.variant), else_=old.variant),
            "first_ms": sa.case((earlier, new.first_ms), else_=old.first_ms),
            "other_ms": other,
        },
        where=earlier | other.is_distinct_from(old.other_ms),
    )


def first_exposure_query(
    workspace_id: int, experiment: str, variants: Sequence[str], until: datetime
) -> sa.Select[Any]:
    """Per person first exposed to ``experiment`` by ``until``: their number (``id``), the
    index of their variant (-1 when it is none of ``variants`` or they were exposed in another
    one by ``until``) and the epoch ms of their first exposure."""
    c = first_exposures.c
    until_ms = to_ms(until)
    code = sa.case({v: n for n, v in enumerate(variants)}, value=c.variant, else_=-1)
    group = sa.case((c.other_ms <= until_ms, -1), else_=code)
    return sa.select(c.id, group, c.first_ms).where(
        c.workspace_id == workspace_id, c.experiment == experiment, c.first_ms <= until_ms
    )


def exposed(workspace_id: int, experiment: str, profile_id: Any) -> Any:
    """The condition that joins ``profile_id`` (a column) to its row of ``experiment``."""
    c = first_exposures.c
    return sa.and_(
        c.workspace_id == workspace_id, c.profile_id == profile_id, c.experiment == experiment
    )
