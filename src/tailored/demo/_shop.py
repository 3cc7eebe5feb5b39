"""A seeded synthetic shop: a catalog, its visitors, and 90 days of their behaviour as events.

The visitors' behaviour follows a hidden truth (preferred departments, price sensitivity,
lifecycle), so that profiles, segments and recommendations built from the events have something
real to find, and a test can check that they found it.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from tailored.core import JSONObject, ValidationError, utcnow

from ._catalog import Product, epoch_ms, make_catalog
from ._people import Lifecycle, Visitor, make_personas
from ._segment import EventWriter, History
from ._sessions import ADDED
from ._timeline import email_campaigns, simulate
from ._vocabulary import CATEGORIES

__all__ = ["Lifecycle", "Product", "Shop", "ShopConfig", "Visitor", "generate_shop"]

#: Fewer days leave lapsing and churned visitors no room to be told apart.
MIN_DAYS = 70


@dataclass(frozen=True)
class ShopConfig:
    """How big a shop to generate, over which window, from which seed.

    Attributes:
        seed: The same seed (and the rest of the config) gives the same shop, event for event.
        products: Size of the catalog (the demo uses at least 500).
        visitors: How many people visit (the demo uses at least 5,000).
        days: Length of the simulated window, ending at ``end``.
        end: The end of the window, an aware datetime; ``None`` means now (UTC), truncated to
            the hour.
        b2b_share: The share of visitors who buy for a business.
    """

    seed: int = 42
    products: int = 600
    visitors: int = 6000
    days: int = 90
    end: datetime | None = None
    b2b_share: float = 0.15

    def __post_init__(self) -> None:
        least = 2 * len(CATEGORIES)
        if self.products < least:
            raise ValidationError(f"products must be at least {least}, got {self.products}")
        if self.visitors < 1:
            raise ValidationError(f"visitors must be at least 1, got {self.visitors}")
        if self.days < MIN_DAYS:
            raise ValidationError(f"days must be at least {MIN_DAYS}, got {self.days}")
        if not 0.0 <= self.b2b_share <= 1.0:
            raise ValidationError(f"b2b_share must be between 0 and 1, got {self.b2b_share}")
        if self.end is not None and self.end.utcoffset() is None:
            raise ValidationError("end must be timezone-aware (UTC)")


@dataclass(frozen=True)
class Shop:
    """A generated shop: its catalog, its visitors and their events.

    Attributes:
        config: The config it was generated from, with ``end`` filled in (UTC).
        products: The catalog.
        visitors: Everyone who visits, with the hidden truth behind what they do.
    """

    config: ShopConfig
    products: list[Product]
    visitors: list[Visitor]
    _history: History = field(repr=False, compare=False)

    @property
    def event_count(self) -> int:
        """How many events :meth:`events` yields."""
        return len(self._history.records)

    def events(self) -> Iterator[JSONObject]:
        """Every event, sorted by timestamp, in the Segment HTTP tracking spec's shape.

        Each is a fresh dict (``track``, ``identify`` or ``page``) that can go as it is into
        the ``batch`` list of ``POST /v1/batch``.
        """
        return EventWriter(self._history, self.products, self.visitors).events()

    def browser_context(self, visitor: int) -> JSONObject:
        """The ``context`` of the ``visitor``-th visitor's browser: user agent, locale, timezone."""
        user_agent, locale, timezone = self._history.browsers[visitor]
        return {"userAgent": user_agent, "locale": locale, "timezone": timezone}

    def adds_to_cart(self, start: datetime, end: datetime) -> Counter[int]:
        """Per visitor (index into :attr:`visitors`), the products added to cart from
        ``start`` until before ``end``, read from the compact history (no events are built)."""
        lo, hi = epoch_ms(start), epoch_ms(end)
        return Counter(
            visitor for ts, kind, visitor, *_ in self._history.records
            if kind == ADDED and lo <= ts < hi
        )  # fmt: skip

    def product_dicts(self) -> list[JSONObject]:
        """The catalog as dicts in the shape of ``tailored.recommend.Item`` (for import)."""
        return [product.as_item() for product in self.products]


def generate_shop(config: ShopConfig | None = None) -> Shop:
    """Generate a shop: deterministic for a given config, quick (seconds) at the default size.

    Args:
        config: Sizes, window and seed; the defaults when ``None``.

    Returns:
        The shop, its events generated and kept compactly until :meth:`Shop.events` is read.
    """
    config = config or ShopConfig()
    end = config.end or utcnow().replace(minute=0, second=0, microsecond=0)
    config = replace(config, end=end.astimezone(UTC))
    assert config.end is not None
    start = config.end - timedelta(days=config.days)
    start_ms, end_ms = epoch_ms(start), epoch_ms(config.end)
    catalog = make_catalog(random.Random(f"{config.seed}:catalog"), config.products, start)
    people_rng = random.Random(f"{config.seed}:people")
    personas = make_personas(people_rng, config.visitors, start_ms, end_ms, config.b2b_share)
    rng = random.Random(f"{config.seed}:behaviour")
    campaigns = email_campaigns(rng, start_ms, end_ms)
    records = simulate(rng, catalog, personas, campaigns, end_ms)
    browsers = [(p.user_agent, p.country.locale, p.country.timezone) for p in personas]
    history = History(records, campaigns, browsers, _id_prefix(config))
    return Shop(config, catalog.products, [p.freeze() for p in personas], history)


def _id_prefix(config: ShopConfig) -> str:
    """The first 24 characters of the shop's message ids: a UUID (version 8) without its tail.

    The whole config goes into it, so that shops with different windows do not share ids.
    """
    assert config.end is not None
    text = "|".join(
        str(v)
        for v in (config.seed, config.products, config.visitors, config.days, config.b2b_share)
    )
    digest = hashlib.blake2b(f"{text}|{config.end.isoformat()}".encode(), digest_size=10)
    h = digest.hexdigest()
    return f"{h[:8]}-{h[8:12]}-8{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-"
