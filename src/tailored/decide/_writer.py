"""Group commit for exposures: concurrent decide calls share one ingest transaction.

Each call hands its ``Experience Viewed`` events to the :class:`ExposureWriter` of its
database and workspace and waits. If no commit is running, the caller's events start one:
a blocking caller (:meth:`ExposureWriter.write`) commits in its own thread, a coroutine
(:meth:`ExposureWriter.write_async`, the server's event loop) hands the commit to a worker
thread and awaits it. The committer takes every event queued so far (those of the calls that
arrived meanwhile too), ingests them as one batch, wakes their callers and goes on until the
queue is empty. Every call still returns only after its own events are committed, so an
answered decision is durable; under load the database sees one transaction for many calls,
and a server thread hands work over once per transaction rather than once per call.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from tailored import events
from tailored.core import utcnow


@dataclass(frozen=True)
class Written:
    """What happened to one call's events."""

    accepted: int
    rejected: list[str]
    """Why each refused event was refused."""


@dataclass
class _Ticket:
    messages: Sequence[dict[str, Any]]
    wake: Callable[[], None] | None = None
    """Called in the committing thread once the ticket is done (coroutine callers)."""
    done: bool = False
    accepted: int = 0
    rejected: list[str] = field(default_factory=list)
    error: BaseException | None = None

    def outcome(self) -> Written:
        if self.error is not None:
            raise self.error
        return Written(self.accepted, self.rejected)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


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
            lead = not ticket.done
            if lead:
                self._flushing = True
        if lead:
            self._drain()
        return ticket.outcome()

    async def write_async(self, messages: Sequence[dict[str, Any]]) -> Written:
        """:meth:`write` for a coroutine: the commit runs in a worker thread, and the event
        loop serves other calls until this one's events are durable."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            loop.call_soon_threadsafe(_settle, future)

        ticket = _Ticket(messages, wake=wake)
        with self._cond:
            self._queue.append(ticket)
            lead = not self._flushing
            self._flushing = True
        if lead:
            loop.run_in_executor(None, self._drain)
        await future
        return ticket.outcome()

    def _drain(self) -> None:
        """Commit batches until nothing waits (the caller has set ``_flushing``)."""
        try:
            while True:
                with self._cond:
                    batch, self._queue = self._queue, []
                if not batch:
                    return
                try:
                    self._flush(batch)
                finally:
                    with self._cond:
                        self._cond.notify_all()
                    for ticket in batch:
                        if ticket.wake is not None:
                            ticket.wake()
        finally:
            with self._cond:
                self._flushing = False
                self._cond.notify_all()

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
            if isinstance(exc, Exception):
                return  # each caller raises it
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
