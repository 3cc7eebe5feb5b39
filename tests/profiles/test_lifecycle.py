"""Lifecycle stages: the documented defaults, every boundary, returns tracked per event."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailored.core import ValidationError
from tailored.profiles import (
    LIFECYCLE_STAGES,
    Activity,
    LifecycleConfig,
    latest_return,
    lifecycle_stage,
    track_activity,
)

START = datetime(2024, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def day(n: float) -> datetime:
    return START + timedelta(days=n)


def test_the_documented_defaults() -> None:
    config = LifecycleConfig()
    assert (config.new_within_days, config.active_within_days) == (14.0, 30.0)
    assert (config.dormant_after_days, config.reactivated_for_days) == (90.0, 30.0)
    assert LIFECYCLE_STAGES == ("new", "active", "at_risk", "dormant", "reactivated")
    for name, field in LifecycleConfig.model_fields.items():
        assert field.description, name


def test_inactivity_boundaries_are_inclusive_on_the_active_side() -> None:
    first, last = day(0), day(100)
    assert lifecycle_stage(first, last, last + timedelta(days=30)) == "active"
    assert lifecycle_stage(first, last, last + timedelta(days=30) + TICK) == "at_risk"
    assert lifecycle_stage(first, last, last + timedelta(days=90)) == "at_risk"
    assert lifecycle_stage(first, last, last + timedelta(days=90) + TICK) == "dormant"


def test_new_lasts_exactly_new_within_days() -> None:
    assert lifecycle_stage(day(0), day(0), day(0)) == "new"
    assert lifecycle_stage(day(0), day(3), day(14)) == "new"
    assert lifecycle_stage(day(0), day(3), day(14) + TICK) == "active"


def test_a_new_person_gone_quiet_is_at_risk_not_new() -> None:
    config = LifecycleConfig(new_within_days=20, active_within_days=20)
    assert lifecycle_stage(day(0), day(0), day(20), config=config) == "new"
    assert lifecycle_stage(day(0), day(0), day(20) + TICK, config=config) == "at_risk"


def test_reactivated_lasts_exactly_reactivated_for_days() -> None:
    first, back = day(0), day(100)
    assert lifecycle_stage(first, back, back, returned_at=back) == "reactivated"
    last = day(120)
    assert lifecycle_stage(first, last, day(130), returned_at=back) == "reactivated"
    assert lifecycle_stage(first, last, day(130) + TICK, returned_at=back) == "active"
    # Still staged by inactivity first: a returner gone quiet again is at risk.
    assert lifecycle_stage(first, back, day(131), returned_at=back) == "at_risk"


def test_configured_thresholds_are_used() -> None:
    config = LifecycleConfig(
        new_within_days=1, active_within_days=7, dormant_after_days=28, reactivated_for_days=3
    )
    assert lifecycle_stage(day(0), day(10), day(17), config=config) == "active"
    assert lifecycle_stage(day(0), day(10), day(17) + TICK, config=config) == "at_risk"
    assert lifecycle_stage(day(0), day(10), day(38) + TICK, config=config) == "dormant"
    assert lifecycle_stage(day(0), day(10), day(13), returned_at=day(10), config=config) == (
        "reactivated"
    )


@pytest.mark.parametrize(
    "thresholds",
    [
        {"new_within_days": 31},
        {"dormant_after_days": 30},
        {"active_within_days": 100},
    ],
)
def test_thresholds_out_of_order_are_a_validation_error(thresholds: dict[str, float]) -> None:
    with pytest.raises(ValidationError, match="out of order") as caught:
        LifecycleConfig(**thresholds)
    assert caught.value.details


@pytest.mark.parametrize("field", list(LifecycleConfig.model_fields))
def test_thresholds_must_be_positive(field: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        LifecycleConfig(**{field: 0})


def test_clock_skew_counts_as_just_active() -> None:
    assert lifecycle_stage(day(0), day(50), day(49)) == "active"


def test_naive_datetimes_are_utc() -> None:
    naive = datetime(2024, 1, 1)
    other = datetime(2024, 1, 1, 5, tzinfo=timezone(timedelta(hours=5)))  # the same instant
    assert lifecycle_stage(naive, other, naive + timedelta(days=14)) == "new"


@pytest.mark.parametrize(
    ("first", "last", "returned", "field"),
    [
        (day(5), day(4), None, "last_seen"),
        (day(0), day(50), day(0), "returned_at"),
        (day(0), day(50), day(51), "returned_at"),
    ],
)
def test_inconsistent_activity_is_a_validation_error(first, last, returned, field) -> None:
    with pytest.raises(ValidationError) as caught:
        lifecycle_stage(first, last, day(60), returned_at=returned)
    assert caught.value.details[0]["loc"] == [field]


def test_a_return_is_activity_after_more_than_active_within_days_of_silence() -> None:
    activity = track_activity(None, day(0))
    assert activity == Activity(day(0), day(0), None)
    activity = track_activity(activity, day(30))  # exactly 30 days: still active, no return
    assert activity.returned_at is None
    activity = track_activity(activity, day(60) + TICK)
    assert activity.returned_at == day(60) + TICK
    assert activity.stage(day(61)) == "reactivated"
    activity = track_activity(activity, day(70))  # a short gap keeps the return
    assert activity.returned_at == day(60) + TICK


def test_a_late_event_moves_first_seen_but_is_no_return() -> None:
    activity = track_activity(track_activity(None, day(10)), day(12))
    late = track_activity(activity, day(-50))
    assert late == Activity(day(-50), day(12), None)


def test_the_stage_tracks_a_persons_history() -> None:
    activity = None
    for at in (day(0), day(5), day(100), day(110)):
        activity = track_activity(activity, at)
    assert activity is not None
    assert [activity.stage(day(n)) for n in (111, 130, 140, 141, 200, 201)] == [
        "reactivated", "reactivated", "active", "at_risk", "at_risk", "dormant",
    ]  # fmt: skip


offsets = st.lists(st.floats(0, 400, allow_nan=False), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(offsets=offsets)
def test_tracking_in_order_finds_the_latest_long_silence(offsets: list[float]) -> None:
    times = sorted(day(n) for n in offsets)
    activity = None
    for at in times:
        activity = track_activity(activity, at)
    assert activity is not None
    assert (activity.first_seen, activity.last_seen) == (times[0], times[-1])
    returns = [b for a, b in itertools.pairwise(times) if b - a > timedelta(days=30)]
    assert activity.returned_at == (returns[-1] if returns else None)
    # The same return from the history in any order, as after late events.
    assert latest_return(reversed(times)) == activity.returned_at
    quiet = LifecycleConfig(active_within_days=1e4, dormant_after_days=2e4)
    assert latest_return(times, quiet) is None


def test_latest_return_is_settled_after_a_late_event() -> None:
    times = [day(0), day(50), day(30)]  # day 30 arrives late: there was no long silence
    activity = None
    for at in times:
        activity = track_activity(activity, at)
    assert activity is not None
    assert activity.returned_at == day(50)  # per event, the late one cannot undo it
    assert latest_return(times) is None
    assert latest_return([]) is None
    assert latest_return([day(3)]) is None


@settings(max_examples=100, deadline=None)
@given(offsets=offsets, steps=st.lists(st.floats(0, 200), min_size=1, max_size=20))
def test_without_new_activity_stages_only_decline(offsets: list[float], steps: list[float]) -> None:
    activity = None
    for at in sorted(day(n) for n in offsets):
        activity = track_activity(activity, at)
    assert activity is not None
    rank = {"new": 0, "reactivated": 0, "active": 0, "at_risk": 1, "dormant": 2}
    now, seen = activity.last_seen, []
    for step in steps:
        now += timedelta(days=step)
        seen.append(rank[activity.stage(now)])
    assert seen == sorted(seen)
