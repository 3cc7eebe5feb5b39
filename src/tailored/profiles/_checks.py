"""Checks of the per-customer columns the analytical models take; each failure is a
``tailored.core.ValidationError`` naming the argument."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from tailored.core import ValidationError

#: The float arrays the vectorised models take and return.
FloatArray = npt.NDArray[np.float64]


def invalid(name: str, message: str) -> ValidationError:
    """A ``ValidationError`` about the argument ``name``; ``message`` follows the name."""
    return ValidationError(f"{name} {message}", [{"loc": [name], "message": message}])


def column(name: str, values: ArrayLike, *, nonnegative: bool = False) -> FloatArray:
    """``values`` as a float array of finite numbers: one number (0-d) or one per customer."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise invalid(name, f"must be numbers ({exc})") from exc
    if array.ndim > 1:
        raise invalid(name, f"must be one number or one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise invalid(name, "must hold only finite numbers")
    if nonnegative and np.any(array < 0):
        raise invalid(name, f"must not be negative, got {array.min()!r}")
    return array


def broadcast(*, strict: bool = False, **columns: FloatArray) -> list[FloatArray]:
    """``columns`` broadcast to one shape, or a ``ValidationError`` naming their lengths.

    Args:
        strict: Require equal shapes instead of letting one number stand for every customer.
        **columns: The checked columns, by argument name.
    """
    shapes = {name: values.shape for name, values in columns.items()}
    try:
        if strict and len(set(shapes.values())) > 1:
            raise ValueError("shapes differ")
        return [np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(*columns.values())]
    except ValueError:
        shown = ", ".join(f"{name}={shape}" for name, shape in shapes.items())
        raise ValidationError(
            f"the columns differ in shape ({shown})",
            [{"loc": [name], "message": f"has shape {shape}"} for name, shape in shapes.items()],
        ) from None
