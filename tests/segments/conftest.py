from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tailored import events, profiles, segments
from tailored.core import utcnow


def track(user, name, *, ago=timedelta(0), now=None, **properties):
    """A track message ``ago`` before ``now``."""
    when = (now or utcnow()) - ago
    return {
        "type": "track",
        "userId": user,
        "event": name,
        "properties": properties,
        "timestamp": when.isoformat(),
    }


@pytest.fixture
def send(engine):
    def send(*messages, workspace=1):
        result = events.ingest(engine, workspace, list(messages), utcnow(), where="")
        assert not result.rejected, result.rejected
        return result

    return send


@pytest.fixture
def members_of(engine):
    """The user ids in a segment now."""

    def members_of(key, workspace=1):
        with engine.connect() as conn:
            segment = segments.get_segment(conn, workspace, key)
            rows = conn.execute(
                sa.select(profiles.profiles.c.user_id)
                .join(segments.members, segments.members.c.profile_id == profiles.profiles.c.id)
                .where(segments.members.c.segment_id == segment.id)
            ).scalars()
            return set(rows)

    return members_of
