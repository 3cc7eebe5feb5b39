"""Identifiers: short, prefixed, URL-safe, random."""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_BASE = len(_ALPHABET)


def new_id(prefix: str, length: int = 16) -> str:
    """A random identifier such as ``key_3k9x0q...``, prefixed to show what it names.

    >>> new_id("job").startswith("job_")
    True
    >>> len(new_id("x", 10))
    12
    """
    number = int.from_bytes(secrets.token_bytes(length))  # 8 bits per character: ample entropy
    chars = []
    for _ in range(length):
        number, digit = divmod(number, _BASE)
        chars.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(chars)
