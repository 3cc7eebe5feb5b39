"""Identifiers: short, prefixed, URL-safe, random."""

from __future__ import annotations

import secrets


def new_id(prefix: str, length: int = 16) -> str:
    """A random identifier such as ``key_3f9a0c...``, prefixed to show what it names.

    The ``length`` characters are hexadecimal: 4 random bits each, 64 for the default.

    >>> new_id("job").startswith("job_")
    True
    >>> len(new_id("x", 10))
    12
    """
    return f"{prefix}_{secrets.token_hex((length + 1) // 2)[:length]}"
