"""Reading the attribute an experiment hashes, with the JavaScript value rules GrowthBook uses.

GrowthBook's evaluator is written in JavaScript, and a few of its decisions rest on JavaScript's
notion of a value: an id of ``0`` or ``""`` is "no id", and a numeric id is hashed as its
JavaScript string form (``123`` as ``"123"``, ``1.0`` as ``"1"``). These helpers reproduce
exactly those rules so that every SDK puts a person in the same bucket.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

# JavaScript writes numbers in positional notation from 1e-7 up to 1e21, in exponent form outside.
_POSITIONAL_MAX_EXPONENT = 21
_POSITIONAL_MIN_EXPONENT = -6


def is_truthy(value: Any) -> bool:
    """Whether JavaScript counts ``value`` as true: GrowthBook's "on" for a flag's value.

    ``None``, ``False``, ``0``, ``NaN`` and ``""`` are false; everything else, empty lists and
    objects included, is true.

    Example:
        >>> [is_truthy(v) for v in (None, 0, "", [], {}, "off", 0.5)]
        [False, False, False, True, True, True, True]
    """
    if value is None or value is False or value == "":
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    return True


def _number_string(value: float) -> str:
    """``value`` as JavaScript's ``String(number)`` writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that read back as the same float, as JavaScript does.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)  # the value is 0.<digits> * 10**point
    if len(digits) <= point <= _POSITIONAL_MAX_EXPONENT:
        return sign + digits + "0" * (point - len(digits))
    if 0 < point <= _POSITIONAL_MAX_EXPONENT:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if _POSITIONAL_MIN_EXPONENT < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    shift = point - 1
    return f"{sign}{mantissa}e{'+' if shift > 0 else '-'}{abs(shift)}"


def js_string(value: Any) -> str:
    """The string GrowthBook hashes and keys sticky buckets by for an attribute value.

    Strings stay as they are; numbers are written as JavaScript writes them; anything else is
    written as JSON.

    Example:
        >>> js_string("abc"), js_string(123), js_string(1.0), js_string(True)
        ('abc', '123', '1', 'true')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_string(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def resolve_attribute(attributes: Mapping[str, Any], name: str) -> Any:
    """The attribute called ``name``: a literal key first, then a dotted path into objects.

    A literal key wins even when its value is empty, so ``{"user.id": ""}`` is not looked up
    as ``user`` -> ``id``. A missing attribute is ``""``, as in GrowthBook.
    """
    if name in attributes:
        return attributes[name]
    current: Any = attributes
    for part in name.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return ""
    return "" if current is None else current


def resolve_hash_attribute(
    attributes: Mapping[str, Any], attribute: str | None, fallback: str | None = None
) -> tuple[str, Any]:
    """The attribute to hash and its value: ``attribute`` (default ``"id"``), else ``fallback``.

    The fallback is used only when the attribute is empty and the fallback is not, so a person
    known by a device id before they sign in keeps being bucketed by it.

    Args:
        attributes: The person's attributes.
        attribute: The attribute to hash; ``"id"`` when None or empty.
        fallback: The attribute to hash when ``attribute`` is empty.

    Returns:
        ``(attribute name, value)``; the value is not truthy when there is nothing to hash.

    Example:
        >>> resolve_hash_attribute({"deviceId": "d1"}, "id", "deviceId")
        ('deviceId', 'd1')
        >>> resolve_hash_attribute({"id": 7}, None)
        ('id', 7)
    """
    name = attribute or "id"
    value = resolve_attribute(attributes, name)
    if not is_truthy(value) and fallback:
        fallback_value = resolve_attribute(attributes, fallback)
        if is_truthy(fallback_value):
            return fallback, fallback_value
    return name, value
