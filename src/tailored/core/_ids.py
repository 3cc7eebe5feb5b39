"""Identifiers: short, prefixed, URL-safe, random."""

from __future__ import annotations

import base64
import secrets


def new_id(prefix: str, length: int = 16) -> str:
    """A random identifier such as ``key_3k9x0q...``, prefixed to show what it names.

    >>> new_id("job").startswith("job_")
    True
    >>> len(new_id("x", 10))
    12
    """
    # Base32 (a-z, 2-7): 5 random bits per character, 80 bits for the default length.
    text = base64.b32encode(secrets.token_bytes((length * 5 + 7) // 8)).decode("ascii")
    return f"{prefix}_{text[:length].lower()}"
