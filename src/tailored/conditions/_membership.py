"""Membership as JavaScript's ``Array.prototype.includes`` decides it, for ``$in`` and groups.

``includes`` uses SameValueZero: no coercion ("1" is not 1, true is not 1), NaN finds NaN, and a
list or object is never found. Python's ``in`` treats ``True == 1``, so the literal lists of
``$in`` are split by type once, at compile time, into sets that keep those apart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._coercion import MAX_SAFE_INTEGER, is_array


class Members:
    """The scalars of a JSON list, ready for fast SameValueZero membership tests.

    Args:
        values: The list's items; lists and objects among them can never be found.
        nan_found: Whether NaN finds NaN (``includes``); ``===`` comparisons pass False.

    >>> members = Members(["a", 1, None])
    >>> "a" in members, 1.0 in members, True in members, "1" in members, None in members
    (True, True, False, False, True)
    """

    __slots__ = ("_nan", "_null", "bools", "numbers", "strings")

    def __init__(self, values: Iterable[Any], *, nan_found: bool = True) -> None:
        strings: set[str] = set()
        numbers: set[int | float] = set()
        bools: set[bool] = set()
        self._null = self._nan = False
        for value in values:
            if isinstance(value, bool):
                bools.add(value)
            elif isinstance(value, str):
                strings.add(value)
            elif isinstance(value, int | float):
                if math.isnan(value):
                    self._nan = nan_found
                else:
                    numbers.add(_as_js_number(value))
            elif value is None:
                self._null = True
        self.strings = frozenset(strings)
        self.numbers = frozenset(numbers)
        self.bools = frozenset(bools)

    def __contains__(self, value: Any) -> bool:
        kind = type(value)
        if kind is str:
            return value in self.strings
        if kind is int or kind is float:
            if value in self.numbers:
                return True
            return _as_js_number(value) in self.numbers or (self._nan and math.isnan(value))
        if value is None:
            return self._null
        if kind is bool:
            return value in self.bools
        return self._contains_subclass(value)

    def _contains_subclass(self, value: Any) -> bool:
        if isinstance(value, bool):
            return bool(value) in self.bools
        if isinstance(value, str):
            return str(value) in self.strings
        if isinstance(value, int | float):
            return value + 0 in self  # the plain int or float of the subclass
        return False

    def any_in(self, value: Any) -> bool:
        """GrowthBook's ``isIn``: an array attribute matches when any of its items is found."""
        if is_array(value):
            return any(item in self for item in value)
        return value in self


def _as_js_number(value: int | float) -> int | float:
    """Integers beyond 2**53 compare as the doubles JavaScript would hold them as."""
    if type(value) is int and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return value


def includes(collection: Any, value: Any) -> bool:
    """``collection.includes(value)`` for a saved group given as a list, tuple or set.

    Anything else (a missing group included) holds nothing, as GrowthBook's ``|| []`` does.

    >>> includes([1, "2", 3], "2"), includes([1, "2", 3], 2), includes([1], True)
    (True, False, False)
    """
    if not isinstance(collection, list | tuple | set | frozenset):
        return False
    kind = type(value)
    if kind is str or value is None:
        return value in collection
    if isinstance(value, bool):
        return value in collection and any(item is value for item in collection)
    if isinstance(value, int | float):
        if math.isnan(value):
            return any(isinstance(item, float) and math.isnan(item) for item in collection)
        if value not in collection:
            return False
        if isinstance(collection, set | frozenset) and value not in (0, 1):
            return True
        # Python's `in` also finds True for 1 and False for 0; JavaScript's does not.
        return any(
            item == value and isinstance(item, int | float) and not isinstance(item, bool)
            for item in collection
        )
    return False


def includes_any(collection: Any, value: Any) -> bool:
    """GrowthBook's ``isIn`` against a saved group: arrays match on any item."""
    if is_array(value):
        return any(includes(collection, item) for item in value)
    return includes(collection, value)
