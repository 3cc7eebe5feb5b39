"""Compiled conditions, and ``evaluate`` for one-off use with a cache of compilations."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import orjson

from ._coercion import is_array
from ._compiler import compile_object
from ._context import NO_GROUPS, EvaluationContext, Test, Unevaluable
from ._registry import generation, operator_compiler
from ._validation import raise_for_problems, validate

_GROUP_OPERATORS = frozenset({"$inGroup", "$notInGroup"})
_UNREAD = EvaluationContext(MappingProxyType({}), NO_GROUPS)


class Condition:
    """A condition compiled into closures: build it once, call it many times.

    Call it with the attributes (and saved groups) to test them; pass ``state`` for operators
    registered with :func:`register_operator`, or call :meth:`matches` with a whole context.

    >>> adult = compile_condition({"age": {"$gte": 18}})
    >>> adult({"age": 30}), adult({"age": 12}), adult({})
    (True, False, False)
    """

    __slots__ = ("_contextual", "_test")

    def __init__(self, test: Test, *, contextual: bool = True) -> None:
        self._test = test
        self._contextual = contextual

    def __call__(
        self,
        attributes: Mapping[str, Any],
        saved_groups: Mapping[str, Any] | None = None,
        *,
        state: Any = None,
    ) -> bool:
        """Whether ``attributes`` (with ``saved_groups`` and ``state``) satisfy the condition."""
        if self._contextual:
            groups = NO_GROUPS if saved_groups is None else saved_groups
            context = EvaluationContext(attributes, groups, state)
        else:
            context = _UNREAD  # saves building a context on every call
        try:
            return self._test(attributes, context)
        except Unevaluable:
            return False

    def matches(self, context: EvaluationContext) -> bool:
        """Whether ``context`` satisfies the condition."""
        try:
            return self._test(context.attributes, context)
        except Unevaluable:
            return False


def compile_condition(condition: Any, *, strict: bool = True) -> Condition:
    """Check ``condition`` and compile it into a :class:`Condition`.

    Args:
        condition: A condition object.
        strict: Refuse a condition with problems. With False nothing is refused and the
            condition behaves exactly as GrowthBook evaluates it: an unknown operator or an
            unusable operand makes its clause false.

    Raises:
        tailored.core.ValidationError: ``strict`` and the condition has problems (see
            :func:`validate`); ``details`` holds one ``{"loc", "message"}`` item per problem.
    """
    if strict:
        raise_for_problems(validate(condition))
    return compile_lenient(condition)


def compile_lenient(condition: Any) -> Condition:
    """Compile ``condition`` as GrowthBook evaluates it, without refusing anything."""
    return Condition(compile_object(condition), contextual=_reads_context(condition))


def _reads_context(condition: Any) -> bool:
    """Whether a condition may read its context: saved groups or registered operators.

    Conditions that do not are called with one shared placeholder context, which saves
    building a context on every call. Any key anywhere counts, so the answer errs on yes.
    """
    if isinstance(condition, Mapping):
        return any(
            key in _GROUP_OPERATORS or operator_compiler(str(key)) is not None or _reads_context(v)
            for key, v in condition.items()
        )
    if is_array(condition):
        return any(_reads_context(item) for item in condition)
    return False


def evaluate(
    condition: Any,
    attributes: Mapping[str, Any],
    saved_groups: Mapping[str, Any] | None = None,
) -> bool:
    """Whether ``attributes`` satisfy ``condition``, with GrowthBook's semantics.

    Conditions are compiled once and kept in a cache keyed by their JSON text, so calling
    this repeatedly with the same condition is cheap; hot paths still hold a
    :class:`Condition` from :func:`compile_condition`. Like GrowthBook's evaluator this
    refuses nothing: an unknown operator or unusable operand makes its clause false.

    Args:
        condition: A condition object, e.g. ``{"country": {"$in": ["DE", "AT"]}}``.
        attributes: The attributes to test, JSON values nested in dicts and lists.
        saved_groups: Saved groups by id, each a list of values, for ``$inGroup``.

    Returns:
        True when the attributes satisfy the condition.

    >>> evaluate({"country": {"$in": ["DE", "AT"]}, "age": {"$gte": 18}},
    ...          {"country": "DE", "age": 30})
    True
    >>> evaluate({"id": {"$inGroup": "beta"}}, {"id": 7}, {"beta": [3, 7]})
    True
    """
    key = _cache_key(condition)
    if key is None:
        return compile_lenient(condition)(attributes, saved_groups)
    return _compiled(*key)(attributes, saved_groups)


def _cache_key(condition: Any) -> tuple[int, bytes] | None:
    """The registry's generation and the condition's JSON text; None for what is not JSON."""
    try:
        text = orjson.dumps(condition)
        if b"null" in text:
            # orjson writes NaN and infinities as null too; the standard encoder keeps them apart.
            text = json.dumps(condition, allow_nan=True).encode()
    except (TypeError, ValueError):  # a huge integer, a non-string key, an unknown type
        return None
    return generation(), text


@lru_cache(maxsize=1024)
def _compiled(_registry_generation: int, text: bytes) -> Condition:
    """The compilation of a condition's JSON text under one state of the operator registry."""
    return compile_lenient(json.loads(text))
