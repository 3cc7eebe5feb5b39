"""Each visitor's life in the demo shop: when they come back, from where, and the newsletter."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter

from ._audience import CHANNELS, EMAIL_SUBJECTS, RETURN_CHANNELS
from ._catalog import Catalog
from ._people import DAY_MS, HOUR_MS, Persona, iso_date
from ._sessions import CLICKED, OPENED, Campaign, Record, Shopper, Visit
from ._vocabulary import CATEGORIES

#: Visits start no later than this before a person's last moment, so that even a long visit
#: ends before it (and before the end of the simulated window).
_SAFETY_MS = 2 * HOUR_MS
#: How busy each local hour of the day is, midnight first.
_HOUR_CUM = list(
    accumulate(
        (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.4, 1.5, 1.5, 1.6,
         1.9, 1.8, 1.5, 1.4, 1.4, 1.6, 1.9, 2.3, 2.5, 2.2, 1.5, 0.8)
    )
)  # fmt: skip
_OPEN_RATE = {"new": 0.45, "active": 0.40, "lapsing": 0.22, "churned": 0.12}
_CHANNEL = {channel.name: channel for channel in CHANNELS}
_RETURN_NAMES = tuple(name for name, _ in RETURN_CHANNELS)
_RETURN_WEIGHTS = tuple(weight for _, weight in RETURN_CHANNELS)


@dataclass(frozen=True)
class EmailCampaign:
    """A newsletter send, about one department."""

    campaign_id: str
    name: str
    subject: str
    category: int
    send_ms: int


def email_campaigns(rng: random.Random, start_ms: int, end_ms: int) -> list[EmailCampaign]:
    """A weekly newsletter (Thursdays, 08:00 UTC) and two flash sales."""
    first_day = start_ms // DAY_MS * DAY_MS + DAY_MS
    while first_day // DAY_MS % 7:  # day 0, 1970-01-01, was a Thursday
        first_day += DAY_MS
    sends = [(t + 8 * HOUR_MS, "weekly_newsletter") for t in range(first_day, end_ms, 7 * DAY_MS)]
    sends += [(first_day + d * DAY_MS + 17 * HOUR_MS, "flash_sale") for d in (23, 58)]
    weights = [spec.weight for spec in CATEGORIES]
    campaigns = []
    for send_ms, kind in sorted(sends):
        if send_ms >= end_ms - _SAFETY_MS:
            continue
        category = rng.choices(range(len(CATEGORIES)), weights)[0]
        day = iso_date(send_ms).replace("-", "")
        subject = rng.choice(EMAIL_SUBJECTS).format(category=CATEGORIES[category].name)
        campaigns.append(
            EmailCampaign(f"cmp_{day}_{kind}", f"{kind}_{day}", subject, category, send_ms)
        )
    return campaigns


class Lives:
    """Plays every visit and newsletter of one person after another."""

    def __init__(
        self,
        rng: random.Random,
        catalog: Catalog,
        campaigns: list[EmailCampaign],
        end_ms: int,
        records: list[Record],
    ) -> None:
        self.rng = rng
        self.campaigns = campaigns
        self.end_ms = end_ms
        self.shopper = Shopper(rng, catalog, records)

    def live(self, visitor: int, p: Persona) -> None:
        """All the events of ``p``, the ``visitor``-th person."""
        limit = min(p.stop_ms, self.end_ms) - _SAFETY_MS
        agenda = [(t, -1) for t in self.visit_times(p, limit)]
        agenda += [(c.send_ms, i) for i, c in enumerate(self.campaigns) if c.send_ms < limit]
        agenda.sort()
        busy, first = 0, True
        for t, campaign in agenda:
            if campaign >= 0:
                busy = self.newsletter(visitor, p, campaign, busy, limit)
                continue
            start = t if t >= busy else busy + self.rng.randrange(10 * 60_000, 3 * HOUR_MS)
            if start < limit:
                arrival, referrer = self.arrival(p, first)
                visit = Visit(p, visitor, start, arrival, referrer)
                busy = self.shopper.run(visit, None) + 60_000
                first = False

    def visit_times(self, p: Persona, limit: int) -> list[int]:
        """The first visit, then returns at random (a Poisson process), at the busy hours."""
        rng = self.rng
        first = self.daytime(p, p.first_ms)
        first = first if first >= p.first_ms else first + DAY_MS
        first = first if first < limit else p.first_ms
        times, t = [first], first
        while (t := t + int(rng.expovariate(p.rate) * DAY_MS)) < limit:
            placed = self.daytime(p, t)
            times.append(placed if first < placed < limit else t)
        recent = min(p.stop_ms, self.end_ms) - 7 * DAY_MS
        earliest = max(recent, first + 1)
        if p.lifecycle in ("active", "lapsing") and max(times) < recent and earliest < limit:
            t = rng.randrange(earliest, limit)  # regulars keep coming until they stop
            placed = self.daytime(p, t)
            times.append(placed if recent < placed < limit else t)
        return sorted(times)

    def daytime(self, p: Persona, t: int) -> int:
        """A moment on the person's local day of ``t``, at an hour drawn from how busy each is."""
        offset = p.country.utc_offset * HOUR_MS
        midnight = (t + offset) // DAY_MS * DAY_MS - offset
        hour = bisect(_HOUR_CUM, self.rng.random() * _HOUR_CUM[-1])
        return midnight + hour * HOUR_MS + self.rng.randrange(HOUR_MS)

    def arrival(self, p: Persona, first: bool) -> tuple[Campaign | None, str]:
        """How a visit arrives: the ``context.campaign`` it carries and its referrer."""
        rng = self.rng
        if first:
            channel, name = p.channel, p.traits["utm_campaign"]
        else:
            channel = _CHANNEL[rng.choices(_RETURN_NAMES, _RETURN_WEIGHTS)[0]]
            name = rng.choice(channel.campaigns) if channel.campaigns else None
        source, referrer = rng.choice(channel.sources)
        if channel.medium in ("", "organic"):
            return None, referrer  # no utm parameters on organic and direct visits
        return (source, channel.medium, name), referrer

    def newsletter(self, visitor: int, p: Persona, index: int, busy: int, limit: int) -> int:
        """Maybe open the email and maybe click through into a visit; returns the busy-until."""
        rng, c = self.rng, self.campaigns[index]
        if p.identified_ms is None or p.identified_ms >= c.send_ms:
            return busy  # not on the list yet
        liked = c.category in p.liked
        if rng.random() >= _OPEN_RATE[p.lifecycle] * (1.25 if liked else 0.9):
            return busy
        opened = c.send_ms + int(rng.expovariate(1 / 3) * HOUR_MS)
        if opened >= limit:
            return busy
        visit = Visit(p, visitor, opened, ("newsletter", "email", c.name), "")
        self.shopper.emit(visit, OPENED, index)
        if rng.random() >= (0.35 if liked else 0.1):
            return busy
        visit.t += rng.randrange(5_000, 180_000)
        if visit.t < busy or visit.t >= limit:
            return busy
        self.shopper.emit(visit, CLICKED, index)
        visit.t += rng.randrange(800, 3000)
        return self.shopper.run(visit, c.category) + 60_000


def simulate(
    rng: random.Random,
    catalog: Catalog,
    personas: list[Persona],
    campaigns: list[EmailCampaign],
    end_ms: int,
) -> list[Record]:
    """Every record of every persona, sorted by time (ties in the order they happened)."""
    records: list[Record] = []
    lives = Lives(rng, catalog, campaigns, end_ms, records)
    for visitor, persona in enumerate(personas):
        lives.live(visitor, persona)
    records.sort(key=itemgetter(0))  # stable: ties keep the order they happened in
    return records
