"""The demo shop's visitors: who they are, and the hidden truth that drives what they do."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from typing import Literal, TypeVar

from ._audience import (
    B2B_CATEGORIES,
    CHANNELS,
    COMPANY_PREFIXES,
    COMPANY_SIZES,
    COMPANY_STEMS,
    COMPANY_SUFFIXES,
    COUNTRIES,
    DEVICES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    INDUSTRIES,
    JOB_ROLES,
    LAST_NAMES,
    Channel,
    Country,
)
from ._catalog import SENSITIVITY_LEVELS
from ._vocabulary import CATEGORIES

Lifecycle = Literal["new", "active", "lapsing", "churned"]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000

_LIFECYCLES: tuple[Lifecycle, ...] = ("new", "active", "lapsing", "churned")
_LIFECYCLE_WEIGHTS = (0.15, 0.35, 0.20, 0.30)
#: Median visits per day, and the share who had an account before the simulated window.
_VISIT_RATE = {"new": 0.2, "active": 0.06, "lapsing": 0.08, "churned": 0.12}
_PRIOR_ACCOUNT = {"new": 0.0, "active": 0.40, "lapsing": 0.35, "churned": 0.15}


@dataclass(frozen=True)
class Visitor:
    """A person who visits the demo shop, with the hidden truth behind their behaviour.

    Attributes:
        anonymous_id: The browser's id, on every event of the person.
        user_id: The account id, set once they sign up (or log in to an older account).
        traits: What the shop knows or learns: ``email``, ``first_name``, ``last_name``,
            ``country`` (ISO 3166 code), ``device``, ``traffic_source``, ``utm_campaign``,
            ``signup_date`` (ISO date or ``None``); for the B2B slice also ``company``,
            ``industry``, ``company_size`` and ``job_role``.
        preferred_categories: One to three ``(category, weight)`` pairs, weights summing to 1:
            where most of their views and purchases go.
        price_sensitivity: 0 (drawn to premium prices) to 1 (drawn to cheap ones).
        lifecycle: ``"new"`` (first seen in the last 14 days), ``"active"`` (visits up to the
            end), ``"lapsing"`` (stopped 30-60 days before the end) or ``"churned"`` (stopped
            within the first month).
        b2b: Whether they buy for a business.
    """

    anonymous_id: str
    user_id: str | None
    traits: dict[str, str | None]
    preferred_categories: tuple[tuple[str, float], ...]
    price_sensitivity: float
    lifecycle: Lifecycle
    b2b: bool


@dataclass(eq=False)
class Persona:
    """A visitor while the simulation runs: the plan, and the state that changes."""

    anonymous_id: str
    user_id: str
    traits: dict[str, str | None]
    preferences: tuple[tuple[int, float], ...]
    sensitivity: float
    lifecycle: Lifecycle
    b2b: bool
    country: Country
    user_agent: str
    channel: Channel
    first_ms: int
    stop_ms: int
    rate: float
    propensity: float
    prior_signup_ms: int | None
    signed_up: bool = False
    identified_ms: int | None = None
    pref_cum: list[float] = field(init=False)
    liked: frozenset[int] = field(init=False)
    level: int = field(init=False)

    def __post_init__(self) -> None:
        self.pref_cum = list(accumulate(w for _, w in self.preferences))
        self.liked = frozenset(c for c, _ in self.preferences)
        # the price-sensitivity level used to pick products
        self.level = min(SENSITIVITY_LEVELS - 1, int(self.sensitivity * SENSITIVITY_LEVELS))

    def freeze(self) -> Visitor:
        """The public view of this persona once the simulation is over."""
        return Visitor(
            anonymous_id=self.anonymous_id,
            user_id=self.user_id if self.signed_up else None,
            traits=dict(self.traits),
            preferred_categories=tuple((CATEGORIES[c].name, w) for c, w in self.preferences),
            price_sensitivity=self.sensitivity,
            lifecycle=self.lifecycle,
            b2b=self.b2b,
        )


_T = TypeVar("_T")


def _weighted(rng: random.Random, items: tuple[_T, ...], weights: tuple[float, ...]) -> _T:
    return rng.choices(items, weights)[0]


def make_personas(
    rng: random.Random, count: int, start_ms: int, end_ms: int, b2b_share: float
) -> list[Persona]:
    """``count`` personas whose lives fall within ``[start_ms, end_ms]``."""
    emails: set[str] = set()
    user_ids: set[str] = set()
    return [_persona(rng, start_ms, end_ms, b2b_share, emails, user_ids) for _ in range(count)]


def _persona(
    rng: random.Random,
    start_ms: int,
    end_ms: int,
    b2b_share: float,
    emails: set[str],
    user_ids: set[str],
) -> Persona:
    b2b = rng.random() < b2b_share
    lifecycle = _weighted(rng, _LIFECYCLES, _LIFECYCLE_WEIGHTS)
    first_ms, stop_ms = _lifespan(rng, lifecycle, start_ms, end_ms)
    prior = None
    if rng.random() < _PRIOR_ACCOUNT[lifecycle]:
        prior = start_ms - int(rng.uniform(1, 700)) * DAY_MS
    country = _weighted(rng, COUNTRIES, tuple(c.weight for c in COUNTRIES))
    device = _weighted(rng, DEVICES, tuple(d.weight for d in DEVICES))
    channel = _weighted(rng, CHANNELS, tuple(c.weight for c in CHANNELS))
    preferences = _preferences(rng, b2b)
    company = _company(rng) if b2b else {}
    traits = _name_and_email(rng, company, emails)
    traits.update(
        country=country.code,
        device=device.name,
        traffic_source=channel.name,
        utm_campaign=rng.choice(channel.campaigns) if channel.campaigns else None,
        signup_date=None,
    )
    traits.update(company)
    return Persona(
        anonymous_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        user_id=_unique(user_ids, lambda: f"usr_{rng.getrandbits(40):010x}"),
        traits=traits,
        preferences=preferences,
        sensitivity=round(rng.betavariate(2.0, 3.0) if b2b else rng.betavariate(2.0, 2.0), 2),
        lifecycle=lifecycle,
        b2b=b2b,
        country=country,
        user_agent=rng.choice(device.user_agents),
        channel=channel,
        first_ms=first_ms,
        stop_ms=stop_ms,
        rate=_VISIT_RATE[lifecycle] * rng.lognormvariate(0.0, 0.5),
        propensity=rng.lognormvariate(0.0, 0.35) * (1.3 if b2b else 1.0),
        prior_signup_ms=prior,
    )


def _lifespan(rng: random.Random, lifecycle: Lifecycle, start: int, end: int) -> tuple[int, int]:
    """When the person first visits, and the moment after which they never come back."""
    if lifecycle == "new":
        return end - int(rng.uniform(3 * HOUR_MS, 14 * DAY_MS)), end
    if lifecycle == "active":
        return start + int(rng.uniform(0, 45 * DAY_MS) * rng.random()), end
    if lifecycle == "lapsing":
        stop = end - int(rng.uniform(31 * DAY_MS, 53 * DAY_MS))  # last visits 31-60 days ago
        return start + int(rng.uniform(0, max(DAY_MS, stop - start - 7 * DAY_MS))), stop
    first = start + int(rng.uniform(0, 24 * DAY_MS))
    return first, min(first + int(rng.uniform(DAY_MS, 21 * DAY_MS)), start + 29 * DAY_MS)


def _preferences(rng: random.Random, b2b: bool) -> tuple[tuple[int, float], ...]:
    """One to three departments with weights that sum to 1, heaviest first."""
    how_many = _weighted(rng, (1, 2, 3), (0.3, 0.45, 0.25))
    names = [spec.name for spec in CATEGORIES]
    weights = [spec.weight for spec in CATEGORIES]
    chosen: list[int] = []
    if b2b and rng.random() < 0.8:
        chosen.append(names.index(rng.choice(B2B_CATEGORIES)))
    while len(chosen) < how_many:
        pick = rng.choices(range(len(names)), weights)[0]
        if pick not in chosen:
            chosen.append(pick)
    raw = sorted((rng.gammavariate(2.0, 1.0) for _ in chosen), reverse=True)
    shares = [round(r / sum(raw), 2) for r in raw]
    shares[0] = round(1.0 - sum(shares[1:]), 2)
    return tuple(zip(chosen, shares, strict=True))


def _name_and_email(
    rng: random.Random, company: dict[str, str | None], emails: set[str]
) -> dict[str, str | None]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    handle = f"{first}.{last}".lower().replace(" ", "")
    domain = rng.choice(EMAIL_DOMAINS)
    if company:  # a work address on the company's domain
        domain = "".join(str(company["company"]).lower().split()[:2]) + ".example"
    email = _unique(emails, lambda: f"{handle}{rng.randrange(1, 10_000)}@{domain}")
    return {"email": email, "first_name": first, "last_name": last}


def _company(rng: random.Random) -> dict[str, str | None]:
    prefix, stem = rng.choice(COMPANY_PREFIXES), rng.choice(COMPANY_STEMS)
    sizes = tuple(s for s, _ in COMPANY_SIZES)
    return {
        "company": f"{prefix} {stem} {rng.choice(COMPANY_SUFFIXES)}",
        "industry": rng.choice(INDUSTRIES),
        "company_size": _weighted(rng, sizes, tuple(w for _, w in COMPANY_SIZES)),
        "job_role": rng.choice(JOB_ROLES),
    }


def _unique(taken: set[str], make: Callable[[], str]) -> str:
    while (value := make()) in taken:
        pass
    taken.add(value)
    return value


def iso_date(ms: int) -> str:
    """The UTC calendar date of an epoch-milliseconds moment, as ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()
