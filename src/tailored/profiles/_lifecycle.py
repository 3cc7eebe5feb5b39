"""Lifecycle stage: new, active, at risk, dormant or reactivated, from when a person was active.

The stage needs three instants: the first activity, the last one, and the latest *return*, the
first activity after a silence longer than ``active_within_days`` (when the person had become at
risk or dormant). A profile keeps them up to date per event at no cost (:func:`track_activity`),
or finds the return again from its active days in any order (:func:`latest_return`), which is
also how events that arrive late are settled. With ``inactive = now - last_seen``:

==============  ===========================================================================
stage           when (defaults)
==============  ===========================================================================
``dormant``     ``inactive > dormant_after_days`` (90)
``at_risk``     ``active_within_days < inactive <= dormant_after_days`` (30 < days <= 90)
``new``         otherwise, when ``now - first_seen <= new_within_days`` (14)
``reactivated`` otherwise, when ``now - returned_at <= reactivated_for_days`` (30)
``active``      otherwise
==============  ===========================================================================

Each bound is inclusive on the side of the more active stage: exactly 30 days without activity
is still active, exactly 90 days is at risk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tailored.core import ValidationError, as_utc

LifecycleStage = Literal["new", "active", "at_risk", "dormant", "reactivated"]
"""The stages, as stored in traits and compared in conditions."""

#: Every stage, in the order of the table above.
LIFECYCLE_STAGES: tuple[LifecycleStage, ...] = get_args(LifecycleStage)

_DAY = timedelta(days=1)


class LifecycleConfig(BaseModel):
    """The thresholds of the lifecycle stages, in days (fractions allowed).

    Raises:
        pydantic.ValidationError: A threshold is not above 0.
        tailored.core.ValidationError: The thresholds are out of order: it must hold that
            ``new_within_days <= active_within_days < dormant_after_days``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    new_within_days: float = Field(default=14.0, gt=0.0)
    """A person active lately is *new* while their first activity is at most this old. At
    most ``active_within_days``: being new is a phase of being active."""

    active_within_days: float = Field(default=30.0, gt=0.0)
    """A person whose last activity is at most this old is active (new, reactivated or plain
    active); older than this and they are *at risk*. A silence longer than this, ended by an
    activity, is a return (see ``reactivated_for_days``)."""

    dormant_after_days: float = Field(default=90.0, gt=0.0)
    """A person whose last activity is older than this is *dormant*. Above
    ``active_within_days``."""

    reactivated_for_days: float = Field(default=30.0, gt=0.0)
    """An active person is *reactivated* for this long after their latest return: their first
    activity after having been at risk or dormant."""

    @model_validator(mode="after")
    def _ordered(self) -> LifecycleConfig:
        problems = []
        if self.new_within_days > self.active_within_days:
            problems.append(("new_within_days", "must not exceed active_within_days"))
        if self.dormant_after_days <= self.active_within_days:
            problems.append(("dormant_after_days", "must be above active_within_days"))
        if problems:
            raise ValidationError(
                "lifecycle thresholds out of order: "
                + "; ".join(f"{loc} {message}" for loc, message in problems),
                [{"loc": [loc], "message": message} for loc, message in problems],
            )
        return self


@dataclass(frozen=True, slots=True)
class Activity:
    """When a person was active: what a profile keeps for :func:`lifecycle_stage`.

    Attributes:
        first_seen: The first activity.
        last_seen: The latest activity.
        returned_at: The latest return (first activity after a silence longer than
            ``active_within_days``); ``None`` when the person never came back from one.
    """

    first_seen: datetime
    last_seen: datetime
    returned_at: datetime | None = None

    def stage(self, now: datetime, config: LifecycleConfig | None = None) -> LifecycleStage:
        """:func:`lifecycle_stage` of this activity at ``now``."""
        return lifecycle_stage(
            self.first_seen, self.last_seen, now, returned_at=self.returned_at, config=config
        )


def track_activity(
    activity: Activity | None, at: datetime, config: LifecycleConfig | None = None
) -> Activity:
    """``activity`` after one more activity at ``at`` (``None``: the person's first).

    An activity older than ``last_seen`` (a late event) moves ``first_seen`` back if it is
    earlier still, but never counts as a return; :func:`latest_return` over the history
    settles such cases.

    >>> a = track_activity(None, datetime(2024, 1, 1))
    >>> a = track_activity(a, datetime(2024, 2, 14))  # 44 days of silence: a return
    >>> a.returned_at == a.last_seen, a.stage(datetime(2024, 2, 20))
    (True, 'reactivated')
    """
    at = as_utc(at)
    if activity is None:
        return Activity(first_seen=at, last_seen=at)
    config = config or LifecycleConfig()
    first, last = as_utc(activity.first_seen), as_utc(activity.last_seen)
    returned = activity.returned_at
    if (at - last) / _DAY > config.active_within_days:
        returned = at
    return Activity(first_seen=min(first, at), last_seen=max(last, at), returned_at=returned)


def latest_return(
    activity: Iterable[datetime], config: LifecycleConfig | None = None
) -> datetime | None:
    """The latest return in a history of activity instants, given in any order.

    Day buckets work as well as events: pass the start of each active day. Folding
    :func:`track_activity` over the same instants in time order gives the same return.

    >>> days = [datetime(2024, 3, 1), datetime(2024, 1, 1), datetime(2024, 3, 5)]
    >>> latest_return(days)
    datetime.datetime(2024, 3, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    config = config or LifecycleConfig()
    times = sorted({as_utc(at) for at in activity})
    for earlier, later in zip(reversed(times[:-1]), reversed(times[1:]), strict=True):
        if (later - earlier) / _DAY > config.active_within_days:
            return later
    return None


def lifecycle_stage(
    first_seen: datetime,
    last_seen: datetime,
    now: datetime,
    *,
    returned_at: datetime | None = None,
    config: LifecycleConfig | None = None,
) -> LifecycleStage:
    """The lifecycle stage at ``now`` of a person active from ``first_seen`` to ``last_seen``.

    Args:
        first_seen: The person's first activity.
        last_seen: Their latest activity.
        now: The instant to stage at. Before ``last_seen`` (clock skew) counts as just active.
        returned_at: Their latest return, as kept by :func:`track_activity`; ``None`` if none.
        config: The thresholds; the defaults when omitted.

    Returns:
        One of ``"new"``, ``"active"``, ``"at_risk"``, ``"dormant"``, ``"reactivated"``.

    Raises:
        tailored.core.ValidationError: ``last_seen`` is before ``first_seen``, or
            ``returned_at`` is not after ``first_seen`` and at most ``last_seen``.

    Naive datetimes are taken as UTC.

    >>> lifecycle_stage(datetime(2024, 1, 1), datetime(2024, 2, 1), datetime(2024, 3, 15))
    'at_risk'
    """
    config = config or LifecycleConfig()
    first, last, now = as_utc(first_seen), as_utc(last_seen), as_utc(now)
    returned = None if returned_at is None else as_utc(returned_at)
    _check_order(first, last, returned)
    inactive = max((now - last) / _DAY, 0.0)
    if inactive > config.dormant_after_days:
        return "dormant"
    if inactive > config.active_within_days:
        return "at_risk"
    if (now - first) / _DAY <= config.new_within_days:
        return "new"
    if returned is not None and (now - returned) / _DAY <= config.reactivated_for_days:
        return "reactivated"
    return "active"


def _check_order(first: datetime, last: datetime, returned: datetime | None) -> None:
    if last < first:
        raise ValidationError(
            "last_seen must not be before first_seen",
            [{"loc": ["last_seen"], "message": "is before first_seen"}],
        )
    if returned is not None and not first < returned <= last:
        raise ValidationError(
            "returned_at must be after first_seen and at most last_seen",
            [{"loc": ["returned_at"], "message": "is outside (first_seen, last_seen]"}],
        )
