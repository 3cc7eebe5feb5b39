"""Group commit for exposures: concurrent decide calls share one ingest transaction.

Each call hands its ``Experience Viewed`` events to the :class:`ExposureWriter` of its
database and workspace and waits. If no commit is running, the caller becomes the leader:
it takes every event queued so far (its own and those of the calls that arrived meanwhile),
ingests them as one batch and wakes the others; if a commit is running, it waits for the
next. Every call still returns only after its own events are committed, so an answered
decision is durable; under load the database sees one transaction for many decisions.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from tailored import events
from tailored.core import utcnow


@dataclass
class _Ticket:
    messages: Sequence[dict[str, Any]]
    done: bool = False
    accepted: int = 0
    rejected: list[str] = field(default_factory=list)
    error: BaseException | None = None


@dataclass(frozen=True)
class Written:
    """What happened to one call's events."""

    accepted: int
    rejected: list[str]
    """Why each refused event was refused."""


class ExposureWriter:
    """Commits the exposures of one workspace, many calls per transaction."""

    def __init__(self, engine: Engine, workspace_id: int, options: Mapping[str, Any]) -> None:
        self.engine = engine
        self.workspace_id = workspace_id
        self.options = dict(options)
        self._cond = threading.Condition()
        self._queue: list[_Ticket] = []
        self._flushing = False
        self.commits = 0
        """Transactions committed so far (fewer than calls under load)."""

    def write(self, messages: Sequence[dict[str, Any]]) -> Written:
        """Commit ``messages`` (with whatever else is waiting); return once they are durable.

        Raises:
            Exception: whatever the commit raised, for every call whose events it held.
        """
        ticket = _Ticket(messages)
        with self._cond:
            self._queue.append(ticket)
            while self._flushing and not ticket.done:
                self._cond.wait()
            if not ticket.done:
                self._flushing = True
                batch, self._queue = self._queue, []
            else:
                batch = []
        if batch:
            try:
                self._flush(batch)
            finally:
                with self._cond:
                    self._flushing = False
                    self._cond.notify_all()
        if ticket.error is not None:
            raise ticket.error
        return Written(ticket.accepted, ticket.rejected)

    def _flush(self, batch: list[_Ticket]) -> None:
        owners: list[_Ticket] = []
        messages: list[dict[str, Any]] = []
        for ticket in batch:
            owners += [ticket] * len(ticket.messages)
            messages += ticket.messages
        try:
            outcome = events.ingest(
                self.engine, self.workspace_id, messages, utcnow(), where="exposures",
                **self.options,
            )  # fmt: skip
        except BaseException as exc:
            for ticket in batch:
                ticket.error, ticket.done = exc, True
            raise
        self.commits += 1
        refused = {r.index: r.message for r in outcome.rejected}
        for index, owner in enumerate(owners):
            if index in refused:
                owner.rejected.append(refused[index])
            else:
                owner.accepted += 1
        for ticket in batch:
            ticket.done = True


_writers: dict[tuple[int, int, tuple[tuple[str, Any], ...]], ExposureWriter] = {}
_lock = threading.Lock()


def exposure_writer(
    engine: Engine, workspace_id: int, options: Mapping[str, Any]
) -> ExposureWriter:
    """The writer of one engine, workspace and set of ingest options."""
    key = (id(engine), workspace_id, tuple(sorted(options.items())))
    writer = _writers.get(key)
    if writer is None or writer.engine is not engine:
        with _lock:
            writer = _writers[key] = ExposureWriter(engine, workspace_id, options)
    return writer
