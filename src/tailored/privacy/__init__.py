"""Privacy: export, erasure and suppression across every stage (through the registry in core).

The gate that drops suppressed events at collection lives in ``tailored.events``.
"""

from __future__ import annotations

from ._rights import erase_person, export_person, find_person

__all__ = ["erase_person", "export_person", "find_person"]
