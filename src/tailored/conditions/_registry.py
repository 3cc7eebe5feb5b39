"""Operators plugged in by other stages, such as ``{"$event": ...}`` or ``{"$segment": ...}``.

A registered operator stands at the top level of a condition object, next to ``$and`` and the
attribute paths. Its compiler turns the operand into a :data:`Predicate` once, when the condition
is compiled; the predicate then runs on every evaluation with the :class:`EvaluationContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from ._context import Predicate

OperatorCompiler: TypeAlias = Callable[[Any], Predicate]
"""Turns an operand (a JSON value) into a predicate.

It raises :class:`tailored.core.ValidationError` (``details`` with ``loc`` relative to the
operand, written from ``$``) or :class:`ValueError` when the operand is malformed.
"""

LOGICAL_OPERATORS = frozenset({"$and", "$nor", "$not", "$or"})

_compilers: dict[str, OperatorCompiler] = {}
_generation = 0


def register_operator(name: str, compiler: OperatorCompiler, *, replace: bool = False) -> None:
    """Make ``name`` a top-level operator of the condition language, compiled by ``compiler``.

    Args:
        name: The operator, ``$`` followed by a name, e.g. ``"$segment"``.
        compiler: Called once per occurrence with the operand; returns the predicate.
        replace: Allow replacing an operator that is already registered.

    Raises:
        ValueError: ``name`` is malformed, is a logical operator, or is taken.
    """
    global _generation
    if not name.startswith("$") or len(name) < 2 or "." in name:
        raise ValueError(f"an operator name is '$' and a name without dots, not {name!r}")
    if name in LOGICAL_OPERATORS:
        raise ValueError(f"{name} is a built-in logical operator")
    if name in _compilers and not replace:
        raise ValueError(f"operator {name} is already registered (pass replace=True)")
    _compilers[name] = compiler
    _generation += 1


def unregister_operator(name: str) -> None:
    """Remove a registered operator; conditions compiled before keep working.

    Raises:
        KeyError: ``name`` is not registered.
    """
    global _generation
    del _compilers[name]
    _generation += 1


def operator_compiler(name: str) -> OperatorCompiler | None:
    """The compiler registered for ``name``, if any."""
    return _compilers.get(name)


def registered_operators() -> list[str]:
    """The registered operator names, sorted."""
    return sorted(_compilers)


def generation() -> int:
    """A number that changes whenever the registry does, for caches of compiled conditions."""
    return _generation
