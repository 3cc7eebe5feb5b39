"""The privacy registry: every stage that stores something about a person registers here.

A stage registers an exporter (everything it holds about the person, as JSON-able rows) and an
eraser (deletes it, returns how many rows went). ``tailored.privacy`` calls them all for
``GET /v1/profiles/{id}/export`` and ``DELETE /v1/profiles/{id}``; a test checks that after
an erasure no table still refers to the person, so a stage that forgets to register fails.
The registry lives here, in ``core``, so that no stage has to import ``tailored.privacy``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Person:
    """Everything a person is known by in one workspace.

    ``profile_ids`` holds the live profile and every profile merged into it.
    """

    workspace_id: int
    profile_id: str
    profile_ids: frozenset[str]
    user_ids: frozenset[str] = field(default_factory=frozenset)
    anonymous_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def ids(self) -> frozenset[str]:
        """Every user and anonymous id."""
        return self.user_ids | self.anonymous_ids


Exporter = Callable[[Connection, Person], list[dict[str, Any]]]
Eraser = Callable[[Connection, Person], int]


@dataclass(frozen=True)
class PersonalData:
    """One registered kind of personal data."""

    name: str
    exporter: Exporter
    eraser: Eraser
    #: Erased last (other erasers may still need to find rows through it).
    order: int = 0


_registry: dict[str, PersonalData] = {}


def register_personal_data(
    name: str, exporter: Exporter, eraser: Eraser, *, order: int = 0
) -> None:
    """Register (or replace) the exporter and eraser of ``name``."""
    _registry[name] = PersonalData(name, exporter, eraser, order)


def personal_data() -> list[PersonalData]:
    """Everything registered, in erasure order."""
    return sorted(_registry.values(), key=lambda p: (p.order, p.name))
