"""Interactions: who did what to which item, as an event log and a user x item matrix.

Users and items are string ids mapped to dense indices in order of first appearance. The
events are kept (one row per event, with optional timestamps), so that evaluation protocols
can split by time; the matrix the models learn from is derived from them through a
:class:`SignalConfig` (weights per event type, time decay, aggregation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from tailored.core import ValidationError, as_utc

#: Weights of the e-commerce events of the Segment spec; other event types get
#: :attr:`SignalConfig.default_weight`.
DEFAULT_EVENT_WEIGHTS: dict[str, float] = {
    "Product Viewed": 1.0,
    "Product Clicked": 1.0,
    "Product Shared": 2.0,
    "Product Added": 3.0,
    "Product Added to Wishlist": 3.0,
    "Product Reviewed": 4.0,
    "Order Completed": 5.0,
}

_DAY = 86_400.0

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


class SignalConfig(BaseModel):
    """How events become the strengths in the user x item matrix."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    event_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_EVENT_WEIGHTS))
    """Weight of one event of each type (Segment e-commerce names by default)."""
    default_weight: float = Field(1.0, gt=0)
    """Weight of an event whose type is absent from ``event_weights`` or not given."""
    half_life_days: float | None = Field(None, gt=0)
    """Time decay: an event this many days older than the newest one counts half. ``None``
    turns decay off; it needs timestamps."""
    aggregate: Literal["sum", "max", "binary"] = "sum"
    """How the events of one user-item pair combine: summed, the strongest one, or 1."""


def _to_seconds(values: Any) -> IntArray:
    """Timestamps (datetimes, numpy datetimes or epoch seconds) as int64 epoch seconds."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[s]").astype(np.int64)
    if arr.dtype.kind in "iuf":
        return arr.astype(np.int64)
    if arr.dtype.kind == "O" and arr.size and isinstance(arr.flat[0], datetime):
        return np.array([int(as_utc(v).timestamp()) for v in arr], dtype=np.int64)
    raise ValidationError(f"timestamps must be datetimes or epoch seconds, not {arr.dtype}")


def _codes(values: Sequence[Any] | npt.NDArray[Any]) -> tuple[list[str], IntArray]:
    """Ids in order of first appearance, and the code of every value."""
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(str(v), len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    return list(index), codes


@dataclass(frozen=True, eq=False)
class Interactions:
    """An event log over string ids, with the user x item matrix derived from it.

    Build one with :meth:`from_arrays`, :meth:`from_rows` or :meth:`from_table` rather than
    directly. Subsets made with :meth:`select` keep the ids and indices of their parent, so a
    training and a test set line up column for column.

    Attributes:
        users: User ids; ``users[u]`` is the id of row ``u``.
        items: Item ids; ``items[i]`` is the id of column ``i``.
        user_codes: The row of every event.
        item_codes: The column of every event.
        weights: The strength of every event (its type already mapped to a weight).
        times: Epoch seconds of every event, or ``None``.
        signal: How events combine into the matrix.

    >>> data = Interactions.from_arrays(["ann", "ann", "bob"], ["tea", "cup", "tea"])
    >>> data.shape, data.history("ann")
    ((2, 2), ['tea', 'cup'])
    """

    users: tuple[str, ...]
    items: tuple[str, ...]
    user_codes: IntArray
    item_codes: IntArray
    weights: FloatArray
    times: IntArray | None = None
    signal: SignalConfig = field(default_factory=SignalConfig)

    @classmethod
    def from_arrays(
        cls,
        users: Sequence[Any] | npt.NDArray[Any],
        items: Sequence[Any] | npt.NDArray[Any],
        *,
        times: Any = None,
        weights: Sequence[float] | npt.NDArray[Any] | None = None,
        events: Sequence[str | None] | None = None,
        signal: SignalConfig | None = None,
    ) -> Interactions:
        """Build from parallel sequences, one entry per event.

        Args:
            users: The user id of every event (converted with ``str``).
            items: The item id of every event.
            times: Datetimes, ``datetime64`` values or epoch seconds; ``None`` for no times.
            weights: An explicit strength per event; multiplied by the event-type weight.
            events: The event type of every event, looked up in ``signal.event_weights``.
            signal: How events become strengths; defaults to :class:`SignalConfig`.
        """
        n = len(users)
        if len(items) != n:
            raise ValidationError(f"{n} users but {len(items)} items: one of each per event")
        for name, values in (("weights", weights), ("events", events)):
            if values is not None and len(values) != n:
                raise ValidationError(f"{n} events but {len(values)} {name}")
        signal = signal or SignalConfig()
        user_ids, user_codes = _codes(users)
        item_ids, item_codes = _codes(items)
        strength = np.full(n, signal.default_weight, dtype=np.float32)
        if events is not None:
            lookup = signal.event_weights
            strength = np.array(
                [
                    lookup.get(e, signal.default_weight) if e else signal.default_weight
                    for e in events
                ],
                dtype=np.float32,
            )
        if weights is not None:
            strength = strength * np.asarray(weights, dtype=np.float32)
        stamps = None if times is None else _to_seconds(times)
        if stamps is not None and len(stamps) != n:
            raise ValidationError(f"{n} events but {len(stamps)} timestamps")
        if signal.half_life_days is not None and stamps is None:
            raise ValidationError("signal.half_life_days needs timestamps, and none were given")
        return cls(
            tuple(user_ids), tuple(item_ids), user_codes, item_codes, strength, stamps, signal
        )

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, Any]],
        *,
        user: str = "user_id",
        item: str = "item_id",
        time: str | None = None,
        weight: str | None = None,
        event: str | None = None,
        signal: SignalConfig | None = None,
    ) -> Interactions:
        """Build from mappings such as ``{"user_id": "u1", "item_id": "sku-9"}``.

        Args:
            rows: One mapping per event.
            user: Key of the user id.
            item: Key of the item id.
            time: Key of the timestamp, if any.
            weight: Key of an explicit strength, if any.
            event: Key of the event type, if any.
            signal: How events become strengths.
        """
        rows = list(rows)
        return cls.from_arrays(
            [r[user] for r in rows],
            [r[item] for r in rows],
            times=None if time is None else [r[time] for r in rows],
            weights=None if weight is None else [float(r[weight]) for r in rows],
            events=None if event is None else [r.get(event) for r in rows],
            signal=signal,
        )

    @classmethod
    def from_table(
        cls,
        table: pa.Table,
        *,
        user: str = "user_id",
        item: str = "item_id",
        time: str | None = None,
        weight: str | None = None,
        event: str | None = None,
        signal: SignalConfig | None = None,
    ) -> Interactions:
        """Build from a pyarrow table (read from Parquet, CSV, ...) with named columns.

        Rows with a null user or item are dropped. A time column may hold timestamps, epoch
        seconds or ISO 8601 strings.
        """
        missing = [
            c for c in (user, item, time, weight, event) if c and c not in table.schema.names
        ]
        if missing:
            raise ValidationError(
                f"no column {', '.join(map(repr, missing))}; the table has "
                f"{', '.join(table.schema.names)}"
            )
        table = table.filter(pc.and_(pc.is_valid(table[user]), pc.is_valid(table[item])))
        return cls.from_arrays(
            _id_strings(table[user]),
            _id_strings(table[item]),
            times=None if time is None else _time_column(table[time]),
            weights=None if weight is None else table[weight].to_numpy().astype(np.float32),
            events=None if event is None else table[event].to_pylist(),
            signal=signal,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(number of users, number of items)``."""
        return len(self.users), len(self.items)

    @property
    def n_events(self) -> int:
        """The number of events."""
        return len(self.user_codes)

    @cached_property
    def user_index(self) -> dict[str, int]:
        """Row of every user id."""
        return {u: i for i, u in enumerate(self.users)}

    @cached_property
    def item_index(self) -> dict[str, int]:
        """Column of every item id."""
        return {v: i for i, v in enumerate(self.items)}

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """The user x item strengths (float32 CSR), combined as ``signal`` says."""
        strength = self.weights.astype(np.float64)
        if self.signal.half_life_days is not None and self.times is not None and len(self.times):
            age_days = (self.times.max() - self.times) / _DAY
            strength = strength * np.exp2(-age_days / self.signal.half_life_days)
        keys = self.user_codes * len(self.items) + self.item_codes
        pairs, inverse = np.unique(keys, return_inverse=True)
        data: npt.NDArray[np.float64]
        if self.signal.aggregate == "sum":
            data = np.bincount(inverse, weights=strength, minlength=len(pairs)).astype(np.float64)
        elif self.signal.aggregate == "max":
            data = np.full(len(pairs), -np.inf)
            np.maximum.at(data, inverse, strength)
        else:
            data = np.ones(len(pairs))
        rows, cols = np.divmod(pairs, len(self.items))
        return sp.csr_matrix(
            (data.astype(np.float32), (rows, cols)), shape=self.shape, dtype=np.float32
        )

    @cached_property
    def binary(self) -> sp.csr_matrix:
        """1 where a user interacted with an item (float32 CSR)."""
        ones = self.matrix.copy()
        ones.data[:] = 1.0
        return ones

    def history(self, user: str) -> list[str]:
        """The items ``user`` interacted with, by column order; empty for an unknown user."""
        row = self.user_index.get(user)
        if row is None:
            return []
        m = self.matrix
        return [self.items[i] for i in m.indices[m.indptr[row] : m.indptr[row + 1]]]

    def strengths(self, user: str) -> dict[str, float]:
        """The items of ``user`` with their strengths; empty for an unknown user.

        With new events added, this is the history to fold in without retraining:
        ``model.recommend_for_items({**data.strengths(u), "sku-9": 1.0})``.
        """
        row = self.user_index.get(user)
        if row is None:
            return {}
        m = self.matrix
        lo, hi = m.indptr[row], m.indptr[row + 1]
        return {
            self.items[i]: float(v) for i, v in zip(m.indices[lo:hi], m.data[lo:hi], strict=True)
        }

    def select(self, mask: npt.NDArray[np.bool_]) -> Interactions:
        """The events where ``mask`` is true, over the same users and items."""
        return Interactions(
            self.users,
            self.items,
            self.user_codes[mask],
            self.item_codes[mask],
            self.weights[mask],
            None if self.times is None else self.times[mask],
            self.signal,
        )

    def with_signal(self, signal: SignalConfig) -> Interactions:
        """The same events combined under another :class:`SignalConfig`."""
        if signal.half_life_days is not None and self.times is None:
            raise ValidationError("signal.half_life_days needs timestamps, and there are none")
        return Interactions(
            self.users,
            self.items,
            self.user_codes,
            self.item_codes,
            self.weights,
            self.times,
            signal,
        )


def _id_strings(column: pa.ChunkedArray) -> list[str]:
    """Ids as strings; whole floats (pandas' nullable ids, ``17850.0``) lose their ``.0``."""
    if pa.types.is_floating(column.type):
        values = column.to_numpy()
        if np.all(values == np.floor(values)):
            column = pc.cast(column, pa.int64())
    return [str(v) for v in column.to_pylist()]


def _time_column(column: pa.ChunkedArray) -> IntArray:
    """A time column as epoch seconds."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:
            column = pc.cast(column, pa.timestamp("s"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            column = pc.cast(column, pa.float64())
    if pa.types.is_timestamp(column.type):
        if column.type.tz is not None:
            column = pc.cast(column, pa.timestamp(column.type.unit))
        column = pc.cast(column, pa.timestamp("s"))
        return np.asarray(column.to_numpy(), dtype="datetime64[s]").astype(np.int64)
    if pa.types.is_date(column.type):
        return _time_column(pc.cast(column, pa.timestamp("s")))
    return np.asarray(column.to_numpy(), dtype=np.float64).astype(np.int64)
