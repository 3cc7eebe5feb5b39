"""Version strings made comparable as plain strings, as GrowthBook's ``$v*`` operators do.

"v1.2.3+build" becomes ``"    1-    2-    3-~"``: the leading ``v`` and the build metadata go,
numeric parts are padded to five places so "10" sorts after " 9", and a release without a
pre-release tag gets "~" (the highest printable ASCII character) so "1.0.0" sorts after
"1.0.0-rc.1". Comparing two such strings orders versions as SemVer does in practice.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ._coercion import is_number, number_string

# JavaScript's `.` stops at line terminators and its `$` (without the m flag) is the end.
_V_OR_BUILD = re.compile(r"^v|\+[^\n\r\u2028\u2029]*\Z")
_SEPARATOR = re.compile(r"[-.]")
_NUMERIC = re.compile(r"[0-9]+")


def padded_version(value: Any) -> str:
    """The comparable form of a version; numbers are read as text, anything else as "0".

    >>> padded_version("v1.2.3+build.7")
    '    1-    2-    3-~'
    >>> padded_version("1.0.0-rc.1") < padded_version("1.0.0")
    True
    """
    if is_number(value):
        value = number_string(value)
    if not value or not isinstance(value, str):
        value = "0"
    return _pad(value)


@lru_cache(maxsize=4096)
def _pad(text: str) -> str:
    parts = _SEPARATOR.split(_V_OR_BUILD.sub("", text))
    if len(parts) == 3:
        parts.append("~")
    return "-".join(part.rjust(5) if _NUMERIC.fullmatch(part) else part for part in parts)
