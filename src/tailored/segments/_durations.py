"""Durations in conditions: ``"30m"``, ``"12h"``, ``"7d"``, ``"4w"``.

>>> parse_duration("7d") == 7 * DAY_MS
True
>>> parse_duration("90s")
Traceback (most recent call last):
...
ValueError: a duration is a whole number and a unit m, h, d or w, such as '30m' or '7d', not '90s'
"""

from __future__ import annotations

import re
from typing import Any

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
#: The longest window a condition may use: the daily buckets of a profile keep 366 days.
MAX_MS = 366 * DAY_MS

_UNITS = {"m": MINUTE_MS, "h": HOUR_MS, "d": DAY_MS, "w": 7 * DAY_MS}
_PATTERN = re.compile(r"(\d{1,6})([mhdw])")


def parse_duration(text: Any, *, allow_zero: bool = False) -> int:
    """The length of a duration such as ``"7d"``, in milliseconds.

    Args:
        text: The duration: a whole number and a unit, ``m`` (minutes), ``h`` (hours),
            ``d`` (days) or ``w`` (weeks).
        allow_zero: Accept ``"0d"`` (the near end of a ``between``).

    Raises:
        ValueError: ``text`` is not a duration, is zero (unless allowed) or is longer than
            366 days.
    """
    match = _PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            "a duration is a whole number and a unit m, h, d or w, such as '30m' or '7d', "
            f"not {text!r}"
        )
    ms = int(match[1]) * _UNITS[match[2]]
    if ms == 0 and not allow_zero:
        raise ValueError(f"a duration must be longer than zero, not {text!r}")
    if ms > MAX_MS:
        raise ValueError(f"a duration is at most 366 days (the history kept), not {text!r}")
    return ms
