"""What a condition is evaluated against, and the shape of compiled tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias

NO_GROUPS: Mapping[str, Any] = MappingProxyType({})


@dataclass(slots=True)
class EvaluationContext:
    """Everything one evaluation of a condition may read. Treat it as read-only.

    Attribute operators read ``attributes``; ``$inGroup`` reads ``saved_groups``; operators
    plugged in with :func:`register_operator` may read ``state`` as well.
    """

    attributes: Mapping[str, Any]
    """The attributes of the person (or request): JSON values, nested with dicts and lists."""
    saved_groups: Mapping[str, Any] = field(default_factory=lambda: NO_GROUPS)
    """Saved groups by id, each a list (or set) of values, for ``$inGroup`` / ``$notInGroup``."""
    state: Any = None
    """Whatever registered operators evaluate against, such as a profile's behavioural state."""


Predicate: TypeAlias = Callable[[EvaluationContext], bool]
"""A compiled registered operator: true when the context satisfies it."""

Test: TypeAlias = Callable[[Any, EvaluationContext], bool]
"""A compiled (sub)condition: the value or object under test, then the evaluation context."""


class Unevaluable(Exception):
    """Raised where GrowthBook's evaluator would throw (null where a condition belongs).

    A compiled :class:`Condition` answers False when it meets one.
    """
