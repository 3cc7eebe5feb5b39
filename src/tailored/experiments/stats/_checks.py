"""Argument checks shared by the statistical methods; each failure is a ``ValidationError``."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from tailored.core import ValidationError

#: The float arrays the vectorised kernels take and return.
FloatArray = npt.NDArray[np.float64]


def invalid(name: str, message: str) -> ValidationError:
    """A ``ValidationError`` about the argument ``name``; ``message`` follows the name."""
    return ValidationError(f"{name} {message}", [{"loc": [name], "message": message}])


def check_count(name: str, value: object, *, minimum: int = 0) -> int:
    """Return ``value`` as an ``int`` when it is a whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise invalid(name, f"must be a whole number, got {value!r}")
    if int(value) < minimum:
        raise invalid(name, f"must be at least {minimum}, got {value}")
    return int(value)


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a ``float`` when it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise invalid(name, f"must be a number, got {value!r}")
    result = float(value)
    if not math.isfinite(result):
        raise invalid(name, f"must be finite, got {value!r}")
    return result


def check_nonnegative(name: str, value: object) -> float:
    """Return ``value`` as a ``float`` when it is finite and not negative."""
    result = check_real(name, value)
    if result < 0:
        raise invalid(name, f"must not be negative, got {value!r}")
    return result


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a ``float`` when it is finite and above zero."""
    result = check_real(name, value)
    if result <= 0:
        raise invalid(name, f"must be above 0, got {value!r}")
    return result


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as a ``float`` strictly between 0 and 1 (an alpha, a power, a rate)."""
    result = check_real(name, value)
    if not 0 < result < 1:
        raise invalid(name, f"must be strictly between 0 and 1, got {value!r}")
    return result


def check_values(name: str, values: ArrayLike) -> FloatArray:
    """Return ``values`` as a one-dimensional float array of finite numbers."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise invalid(name, f"must be a sequence of numbers ({exc})") from exc
    if array.ndim != 1:
        raise invalid(name, f"must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise invalid(name, "must hold only finite numbers")
    return array
