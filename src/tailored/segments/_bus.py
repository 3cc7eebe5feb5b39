"""``Segment Entered`` / ``Segment Exited``: an in-process bus for stages that react to them.

Subscribers are called inside the transaction that changed the membership (the ingest
transaction, or the worker's sweep), after the change is written; what they write commits
with it. They must be quick and must not raise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.engine import Connection

ChangeKind = Literal["Segment Entered", "Segment Exited"]
ENTERED: ChangeKind = "Segment Entered"
EXITED: ChangeKind = "Segment Exited"


@dataclass(frozen=True)
class SegmentChange:
    """One person entering or leaving one segment."""

    workspace_id: int
    segment_key: str
    profile_id: str
    kind: ChangeKind
    at: datetime


ChangeSubscriber = Callable[[Connection, list[SegmentChange]], None]

_subscribers: list[ChangeSubscriber] = []


def on_segment_change(subscriber: ChangeSubscriber) -> None:
    """Have ``subscriber`` see every batch of membership changes (idempotent)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def remove_segment_subscriber(subscriber: ChangeSubscriber) -> None:
    """Stop sending changes to ``subscriber`` (no error if it was not subscribed)."""
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def publish(conn: Connection, changes: list[SegmentChange]) -> None:
    """Hand ``changes`` to every subscriber."""
    if changes:
        for subscriber in list(_subscribers):
            subscriber(conn, changes)
