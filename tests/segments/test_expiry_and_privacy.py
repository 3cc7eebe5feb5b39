"""Windows lapse without new events (the worker's sweep); erasure removes memberships."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tailored import privacy, profiles, segments, storage
from tailored.core import utcnow
from tests.segments.conftest import track

HOUR = timedelta(hours=1)


def test_a_lapsed_window_is_swept_at_its_due_time(engine, send, members_of):
    segments.create_segment(
        engine, 1, "recent", "Recent", {"$event": {"name": "Product Viewed", "within": "12h"}}
    )
    now = utcnow()
    send(track("a", "Product Viewed", ago=11 * HOUR, now=now))
    assert members_of("recent") == {"a"}
    with engine.connect() as conn:
        due_at = conn.execute(sa.select(segments.due.c.due_at)).scalar_one()
    assert abs((due_at - (now + HOUR)).total_seconds()) < 1, "exactly when the view is 12h old"
    assert segments.sweep(engine, due_at - timedelta(seconds=1)) == 0
    assert members_of("recent") == {"a"}
    assert segments.sweep(engine, due_at) == 1
    assert members_of("recent") == set()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(segments.due)).scalar() == 0


def test_the_due_time_stays_through_other_events_and_moves_with_counted_ones(
    engine, send, members_of
):
    segments.create_segment(
        engine, 1, "recent", "Recent", {"$event": {"name": "Product Viewed", "within": "12h"}}
    )
    now = utcnow()

    def due_at():
        with engine.connect() as conn:
            return conn.execute(sa.select(segments.due.c.due_at)).scalar_one()

    send(track("a", "Product Viewed", ago=11 * HOUR, now=now))
    first = due_at()
    send(track("a", "Page Viewed", ago=HOUR, now=now))  # not counted: the due time stays
    assert due_at() == first
    send(track("a", "Product Viewed", ago=2 * HOUR, now=now))  # counted, lapses later
    assert due_at() == first, "the first view still ages out first"
    assert segments.sweep(engine, first) == 1
    assert members_of("recent") == {"a"}
    assert abs((due_at() - (now + 10 * HOUR)).total_seconds()) < 1, "now the second view's"
    assert segments.sweep(engine, due_at()) == 1
    assert members_of("recent") == set()


def test_the_worker_sweeps_every_thirty_seconds():
    assert segments.SWEEP_JOB in storage.job_handlers()


def test_erasure_removes_memberships_and_export_shows_them(engine, send, members_of):
    segments.create_segment(engine, 1, "all", "All", {"$event": {"name": "Seen"}})
    send(track("a", "Seen"), track("b", "Seen"))
    with engine.begin() as conn:
        who = privacy.find_person(conn, 1, "a")
        exported = privacy.export_person(conn, who)
        assert "segment_memberships" in str(exported)
        privacy.erase_person(conn, who)
    assert members_of("all") == {"b"}
    with engine.connect() as conn:
        for table in (segments.members, segments.history, segments.due):
            rows = conn.execute(
                sa.select(table.c.profile_id).where(table.c.profile_id.in_(who.profile_ids))
            ).all()
            assert rows == []


def test_a_merged_profile_leaves_its_segments(engine, send, members_of):
    segments.create_segment(engine, 1, "all", "All", {"$event": {"name": "Seen"}})
    send({"type": "track", "anonymousId": "anon", "event": "Seen"})
    send(track("u", "Seen"))
    send({"type": "alias", "userId": "u", "previousId": "anon"})
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(segments.members)).scalar()
        live = profiles.find_profile(conn, 1, "u")
        holder = conn.execute(sa.select(segments.members.c.profile_id)).scalars().all()
    assert count == 1 and holder == [live]
