"""Conversions are credited to the decisions that preceded them; the log obeys privacy."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tailored import decide, privacy
from tailored.core import utcnow

from .conftest import WS, track

HERO = {"key": "home_hero", "default": {"headline": "Welcome"}}
EXPERIENCE = {
    "key": "hero",
    "placement": "home_hero",
    "variants": [{"key": "all", "content": {"headline": "Hi"}}],
}
CTA = {"key": "cta", "default": {"text": "Buy"}}
CTA_EXPERIENCE = {
    "key": "cta-copy",
    "placement": "cta",
    "variants": [{"key": "all", "content": {"text": "Get"}}],
}


def _credits(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                decide.attributions.c.decision_id,
                decide.attributions.c.event,
                decide.attributions.c.value,
                decide.attributions.c.method,
            ).order_by(decide.attributions.c.id)
        ).all()
    return [tuple(r) for r in rows]


def test_credit_by_decision_id_and_by_person(engine, configure, send, run):
    configure(placement=[HERO, CTA], experience=[EXPERIENCE, CTA_EXPERIENCE])
    result = run(user_id="buyer")
    hero, cta = result.decisions["home_hero"], result.decisions["cta"]
    send(track("buyer", "Experience Clicked", decision_id=hero.decision_id))
    assert _credits(engine) == [(hero.decision_id, "Experience Clicked", None, "decision_id")]
    send(track("buyer", "Order Completed", revenue=42.5))
    credited = _credits(engine)[1:]
    assert sorted(credited) == sorted(
        [(hero.decision_id, "Order Completed", 42.5, "person"),
         (cta.decision_id, "Order Completed", 42.5, "person")]
    )  # fmt: skip
    # Page views are not conversions; an unknown decision id is not credited.
    send(
        track("buyer", "Page Viewed"), track("buyer", "Experience Clicked", decision_id="dec_nope")
    )
    assert len(_credits(engine)) == 3


def test_only_the_latest_decision_per_experience_within_the_window(engine, configure, send, run):
    configure(
        settings=[{"attribution": {"window_hours": 1, "events": ["Signed Up"]}}],
        placement=[HERO],
        experience=[EXPERIENCE],
    )
    run(user_id="p")
    latest = run(user_id="p").decisions["home_hero"]
    send(track("p", "Signed Up"), track("p", "Order Completed", revenue=5))
    assert _credits(engine) == [(latest.decision_id, "Signed Up", None, "person")]
    send(track("p", "Signed Up", ago=timedelta(hours=3)))  # before every decision
    assert len(_credits(engine)) == 1


def test_one_batch_credits_each_conversion_by_its_own_time_and_person(engine, configure, send, run):
    configure(
        settings=[{"attribution": {"window_hours": 1, "events": ["Signed Up"]}}],
        placement=[HERO],
        experience=[EXPERIENCE],
    )
    earlier = decide.decide(
        engine, WS, decide.DecideRequest(user_id="p1"), now=utcnow() - timedelta(minutes=40)
    ).decisions["home_hero"]
    clicked = run(user_id="p2").decisions["home_hero"]
    send(
        track("p1", "Signed Up", ago=timedelta(minutes=50)),  # before p1's decision
        track("p1", "Signed Up", ago=timedelta(minutes=10)),  # 30 minutes after it
        track("p2", "Signed Up", ago=timedelta(hours=3)),  # before p2's decision
        track("p3", "Signed Up"),  # no decision at all
        track("p2", "Experience Clicked", decision_id=clicked.decision_id),
        track("p2", "Experience Clicked", decision_id="dec_nope"),
    )
    assert sorted(_credits(engine)) == sorted(
        [(earlier.decision_id, "Signed Up", None, "person"),
         (clicked.decision_id, "Experience Clicked", None, "decision_id")]
    )  # fmt: skip


def test_dry_run_logs_nothing_and_consent_decisions_are_not_logged(engine, configure, run):
    configure(placement=[HERO], experience=[EXPERIENCE])
    run(user_id="a", dry_run=True)
    run(user_id="b", context={"consent": {"personalization": False}})
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(decide.decisions)).scalar() == 0


def test_export_and_erasure_reach_the_decision_log(engine, configure, send, run):
    configure(placement=[HERO], experience=[EXPERIENCE])
    decision = run(user_id="gone").decisions["home_hero"]
    send(track("gone", "Order Completed", revenue=10))
    run(user_id="kept")
    with engine.begin() as conn:
        exported = privacy.export_person(conn, privacy.find_person(conn, WS, "gone"))
    rows = exported["data"]["decisions"]
    assert rows[0]["decision_id"] == decision.decision_id
    assert rows[-1]["attribution"]["event"] == "Order Completed"
    with engine.begin() as conn:
        privacy.erase_person(conn, privacy.find_person(conn, WS, "gone"))
    with engine.connect() as conn:
        left = conn.execute(
            sa.select(decide.decisions.c.variant, decide.decisions.c.profile_id)
        ).all()
        assert len(left) == 1
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(decide.attributions)).scalar() == 0
        )
