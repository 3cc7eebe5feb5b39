"""Benchmarks: ``python -m benchmarks NAME [--quick]`` prints one JSON object per figure.

Each benchmark is a module ``benchmarks/NAME.py`` with a function
``run(quick: bool) -> Iterable[Figure]``; a figure is a dict with the keys
``bench``, ``metric``, ``value``, ``unit`` and ``params``.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Figure(TypedDict):
    """One measured number."""

    bench: str
    metric: str
    value: float
    unit: str
    params: dict[str, Any]


def figure(bench: str, metric: str, value: float, unit: str, **params: Any) -> Figure:
    """Build a :class:`Figure`."""
    return {"bench": bench, "metric": metric, "value": value, "unit": unit, "params": params}
