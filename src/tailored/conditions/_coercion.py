"""JavaScript's value semantics, which GrowthBook's condition language inherits.

GrowthBook's reference evaluator compares with JavaScript operators: ``value + ""`` for string
equality, ``value * 1`` for numeric equality, ``<`` with its coercions, ``===``, and
``JSON.stringify`` for literal lists and objects. The functions here reproduce those rules on
JSON values (``None``, ``bool``, ``int``, ``float``, ``str``, lists, dicts), so a condition means
the same in tailored as in every GrowthBook SDK. Tuples count as arrays and any mapping as an
object; other Python values are not JSON and are only given a best-effort reading. One known
difference: outside ``$in``, integers beyond 2**53 compare exactly, where JavaScript rounds them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

#: Integers beyond this lose precision as JavaScript numbers (2**53).
MAX_SAFE_INTEGER = 2**53

# StrWhiteSpaceChar of the ECMAScript spec: WhiteSpace (with every Zs character) and
# LineTerminator. Python's str.strip() would also strip \x1c-\x1f, which JavaScript keeps.
_JS_SPACE = (
    "\t\n\v\f\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_NON_DECIMAL = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_JS_TYPES = {str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}


def is_array(value: Any) -> bool:
    """Whether ``value`` is a JavaScript array (a list or tuple)."""
    return isinstance(value, list | tuple)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a JavaScript number (an int or float that is not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_array_index(key: str) -> bool:
    """Whether ``key`` is the canonical form of an array index ("0", "17", not "01")."""
    return (
        key.isascii() and key.isdigit() and (key == "0" or key[0] != "0") and int(key) < 2**32 - 1
    )


def to_float(value: int | float) -> float:
    """A Python number as a JavaScript (double) number; huge integers become infinite."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def number_string(value: int | float) -> str:
    """``String(value)`` for a number: "10" for 10.0, "1e+21", "1e-7", "NaN", "Infinity".

    >>> [number_string(v) for v in (10.0, 0.1, 1e21, 1e-7, -0.0, 2**60)]
    ['10', '0.1', '1e+21', '1e-7', '0', '1152921504606847000']
    """
    if type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return str(value)
    x = to_float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) <= MAX_SAFE_INTEGER:
        return str(int(x))
    digits, point = _shortest_digits(abs(x))
    return ("-" if x < 0 else "") + _place_point(digits, point)


def _shortest_digits(x: float) -> tuple[str, int]:
    """The shortest round-trip digits of ``x > 0`` and ``n`` with ``x = 0.digits * 10**n``."""
    mantissa, _, exponent_text = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    exponent = int(exponent_text or 0) - len(fraction)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    significant = stripped.lstrip("0")
    return significant, exponent + len(significant)


def _place_point(digits: str, n: int) -> str:
    """Number::toString's layout of ``0.digits * 10**n`` (ECMAScript 6.1.6.1.20)."""
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    exponent = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    return digits + exponent if k == 1 else f"{digits[0]}.{digits[1:]}{exponent}"


def js_string(value: Any) -> str:
    """``String(value)``: "null" for None, "true", "1.5", "a,b" for a list, "[object Object]".

    >>> [js_string(v) for v in (None, True, 8.0, ["a", None, 2], {"a": 1})]
    ['null', 'true', '8', 'a,,2', '[object Object]']
    """
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_string(value)
    if is_array(value):
        return ",".join("" if item is None else js_string(item) for item in value)
    if isinstance(value, Mapping):
        return "[object Object]"
    return str(value)


def string_to_number(text: str) -> float:
    """``Number(text)``: surrounding space ignored, "" is 0, "0x1f" is 31, junk is NaN."""
    text = text.strip(_JS_SPACE)
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text.replace("Infinity", "inf"))
    if _NON_DECIMAL.fullmatch(text):
        return to_float(int(text, 0))
    return math.nan


def js_number(value: Any) -> float:
    """``Number(value)``: 0 for None and [], 1 for True, 8 for "8", NaN for "abc" and objects.

    >>> [js_number(v) for v in (None, True, " 8 ", [], ["5"], "abc")]
    [0.0, 1.0, 8.0, 0.0, 5.0, nan]
    """
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return to_float(value)
    if isinstance(value, str):
        return string_to_number(value)
    if is_array(value):
        return string_to_number(js_string(value))
    return math.nan


def js_truthy(value: Any) -> bool:
    """``!!value``: false for None, False, 0, NaN and ""; true for every list and object."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ""
    return True


def js_type(value: Any) -> str:
    """GrowthBook's type name of ``value``: string, number, boolean, null, array or object."""
    name = _JS_TYPES.get(type(value))
    if name is not None:
        return name
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if is_array(value):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "unknown"


def strict_equal(a: Any, b: Any) -> bool:
    """``a === b`` for values read from JSON: lists and objects are never identical."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if a is None or b is None:
        return a is b
    if isinstance(a, str):
        return isinstance(b, str) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return False


def string_compare(a: str, b: str) -> int:
    """-1, 0 or 1 as JavaScript orders strings: by UTF-16 code unit, not by code point."""
    # Code point and code unit order differ only between two non-ASCII characters (one at or
    # above U+E000, the other beyond U+FFFF), so an ASCII string on either side is exact.
    if not (a.isascii() or b.isascii()):
        units_a = a.encode("utf-16-be", "surrogatepass")
        units_b = b.encode("utf-16-be", "surrogatepass")
        return (units_a > units_b) - (units_a < units_b)
    return (a > b) - (a < b)


def js_compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 as JavaScript's ``<`` orders ``a`` and ``b``; None where it cannot (NaN).

    Two strings compare as strings; otherwise both sides become numbers ("8" is 8, None is 0).

    >>> js_compare("8", 5), js_compare("alpha", "beta"), js_compare(None, -1), js_compare("x", 1)
    (1, -1, 1, None)
    """
    a = a if _is_primitive(a) else js_string(a)
    b = b if _is_primitive(b) else js_string(b)
    if isinstance(a, str) and isinstance(b, str):
        return string_compare(a, b)
    x, y = js_number(a), js_number(b)
    if math.isnan(x) or math.isnan(y):
        return None
    return (x > y) - (x < y)


def _is_primitive(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def js_json(value: Any) -> str:
    """``JSON.stringify(value)``, whose output GrowthBook compares for literal lists and objects.

    Numbers are written as JavaScript writes them (1.0 as 1) and object keys in JavaScript's
    order (integer-like keys first, ascending), so equal JavaScript values give equal text.

    >>> js_json({"b": [1.0, None], "2": True})
    '{"2":true,"b":[1,null]}'
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = number_string(value)
        return "null" if text in ("NaN", "Infinity", "-Infinity") else text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if is_array(value):
        return "[" + ",".join(js_json(item) for item in value) + "]"
    if isinstance(value, Mapping):
        keys = {k if isinstance(k, str) else js_string(k): k for k in value}
        members = (
            f"{json.dumps(k, ensure_ascii=False)}:{js_json(value[keys[k]])}"
            for k in _key_order(list(keys))
        )
        return "{" + ",".join(members) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def _key_order(keys: list[str]) -> list[str]:
    """JavaScript's own-property order: array-index keys ascending, then insertion order."""
    indices = [k for k in keys if is_array_index(k)]
    if not indices:
        return keys
    return sorted(indices, key=int) + [k for k in keys if not is_array_index(k)]
