"""Extension points for later stages: more in a profile's state, and a look at each batch.

- A :class:`StateExtension` owns one top-level key of the state: it folds events into it and
  merges two of it, with the same order-independence as the built-in keys (the segments
  stage keeps its behavioural features this way).
- A :data:`StateListener` sees, inside the ingest transaction and after the states were
  written, every profile a batch changed, with its new state, the batch's rows and the
  profiles that were created or merged by it (the segments stage updates memberships this
  way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from tailored.events import EventRow


class StateExtension(Protocol):
    """A part of the profile state kept by another stage."""

    key: str

    def apply(self, part: dict[str, Any], event: dict[str, Any], ts: int) -> None:
        """Fold one event (epoch ms ``ts``) into this extension's part of the state."""

    def merge(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        """The part of a profile that saw the events of both ``a`` and ``b``."""


#: ``(conn, workspace_id, states by profile id, stored rows, rebuilt)``, after the states
#: are saved. ``rebuilt`` holds the profiles created or merged with another by the batch:
#: every other state is its previous state with only its stored rows folded in.
StateListener = Callable[
    [Connection, int, dict[str, dict[str, Any]], list[EventRow], frozenset[str]], None
]

_extensions: dict[str, StateExtension] = {}
_listeners: list[StateListener] = []


def register_state_extension(extension: StateExtension) -> None:
    """Keep ``extension.key`` in every profile's state from now on (replaces one of that key)."""
    _extensions[extension.key] = extension


def state_extensions() -> list[StateExtension]:
    """The registered extensions."""
    return list(_extensions.values())


def add_state_listener(listener: StateListener) -> None:
    """Have ``listener`` see every batch's changed states (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def state_listeners() -> list[StateListener]:
    """The registered listeners, in registration order."""
    return list(_listeners)
