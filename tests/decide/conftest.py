from __future__ import annotations

from datetime import timedelta

import pytest

from tailored import decide, events, segments
from tailored.core import utcnow

WS = 1


def track(user, name, *, ago=timedelta(0), **properties):
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "properties": properties,
        "timestamp": (utcnow() - ago).isoformat(),
    }


@pytest.fixture(autouse=True)
def fresh_bandits():
    """Each test's bandit policies start from its own database, not from memory."""
    previous = decide.bandit_hook()
    decide.set_bandit_hook(decide.LocalBandits(seed=1))
    yield
    decide.set_bandit_hook(previous)


@pytest.fixture
def send(engine):
    def send(*messages):
        result = events.ingest(engine, WS, list(messages), utcnow(), where="")
        assert not result.rejected, result.rejected
        return result

    return send


@pytest.fixture
def configure(engine):
    """Save decide objects: ``configure(placement=[...], experiment=[...], ...)``."""

    def configure(**kinds):
        for kind in decide.KINDS:
            for body in kinds.get(kind, ()):
                decide.save(engine, WS, kind, body)

    return configure


@pytest.fixture
def run(engine):
    """Decide for a person: ``run(user_id="u1", placements=("hero",))``."""

    def run(**fields):
        for name in ("placements", "flags"):
            if name in fields and fields[name] is not None:
                fields[name] = tuple(fields[name])
        return decide.decide(engine, WS, decide.DecideRequest(**fields))

    return run


@pytest.fixture
def segment(engine):
    def segment(key, condition):
        segments.create_segment(engine, WS, key, key, condition)

    return segment
