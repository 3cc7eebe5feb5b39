"""The demo shop's catalog: products, their prices, and how shoppers pick among them."""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from ._vocabulary import CATEGORIES, CURRENCY, DESCRIPTION_FEATURES, SHOP_URL, CategorySpec

#: Price-sensitivity levels shoppers are grouped into when they pick products.
SENSITIVITY_LEVELS = 5
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Product:
    """A product of the demo shop.

    Attributes:
        item_id: The catalog id, also the ``product_id`` of e-commerce events.
        title: Display name: brand, material or style, and noun.
        description: A generated sentence or three.
        category: One of the shop's departments, such as ``"Kitchenware"``.
        brand: One of a few brands of the category.
        price: Unit price in GBP, two decimals; log-normal within the category.
        tags: Free labels (use, material, price band).
        in_stock: Whether it can be added to a cart (about 90% are).
        created_at: When it entered the catalog (before the simulated window).
    """

    item_id: str
    title: str
    description: str
    category: str
    brand: str
    price: float
    tags: tuple[str, ...]
    in_stock: bool
    created_at: datetime

    @property
    def sku(self) -> str:
        """The stock-keeping unit, as printed on the label."""
        return self.item_id.upper()

    @property
    def path(self) -> str:
        """The product page's path on the shop's site."""
        return f"/p/{self.item_id}"

    def as_item(self) -> dict[str, object]:
        """The product as a catalog item (the shape of ``tailored.recommend.Item``)."""
        return {
            "item_id": self.item_id,
            "title": self.title,
            "description": self.description,
            "categories": [self.category],
            "brand": self.brand,
            "price": self.price,
            "currency": CURRENCY,
            "in_stock": self.in_stock,
            "tags": list(self.tags),
            "properties": {"sku": self.sku, "url": SHOP_URL + self.path},
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
        }


class Catalog:
    """Products with what the simulation needs to pick them quickly.

    Each category holds, per price-sensitivity level, cumulative weights that mix popularity
    with how well the price suits that level, so a pick is one ``bisect``.
    """

    def __init__(self, products: list[Product], popularity: list[float], rng: random.Random):
        self.products = products
        names = [spec.name for spec in CATEGORIES]
        self.category_of = [names.index(p.category) for p in products]
        self.members: list[list[int]] = [[] for _ in CATEGORIES]
        for index, category in enumerate(self.category_of):
            self.members[category].append(index)
        self.price_z = self._price_z()
        #: ``fit[level][product]``: how much a shopper at that level is drawn to the price.
        self.fit = [[self.price_fit(i, level) for i in range(len(products))] for level in _LEVELS]
        self.cum_weights = [
            [list(accumulate(popularity[i] * self.fit[level][i] for i in m)) for level in _LEVELS]
            for m in self.members
        ]
        self.partner = self._pair_up(rng)

    def _price_z(self) -> list[float]:
        z = [0.0] * len(self.products)
        for members in self.members:
            logs = [math.log(self.products[i].price) for i in members]
            mean = sum(logs) / max(len(logs), 1)
            spread = math.sqrt(sum((x - mean) ** 2 for x in logs) / max(len(logs), 1)) or 1.0
            for i, x in zip(members, logs, strict=True):
                z[i] = (x - mean) / spread
        return z

    def _pair_up(self, rng: random.Random) -> list[int]:
        """Complementary pairs within each category: what is bought together."""
        partner = list(range(len(self.products)))
        for members in self.members:
            order = members[:]
            rng.shuffle(order)
            for a, b in zip(order[::2], order[1::2], strict=False):
                partner[a], partner[b] = b, a
            if len(order) % 2 and len(order) > 1:
                partner[order[-1]] = order[0]
        return partner

    def price_fit(self, product: int, level: int) -> float:
        """How much a shopper at sensitivity ``level`` is drawn to the product's price (0.2-3)."""
        alpha = ((level + 0.5) / SENSITIVITY_LEVELS - 0.5) * 3.0
        return min(3.0, max(0.2, math.exp(-alpha * self.price_z[product])))

    def pick(self, rng: random.Random, category: int, level: int) -> int:
        """A product of ``category``, by popularity and price fit for ``level``."""
        cum = self.cum_weights[category][level]
        return self.members[category][bisect(cum, rng.random() * cum[-1])]


_LEVELS = range(SENSITIVITY_LEVELS)


def make_catalog(rng: random.Random, count: int, start: datetime) -> Catalog:
    """``count`` products spread over the categories by their weight, created before ``start``."""
    products: list[Product] = []
    popularity: list[float] = []
    titles: set[str] = set()
    for spec, quota in zip(CATEGORIES, _quotas(count), strict=True):
        for _ in range(quota):
            products.append(_product(rng, spec, len(products) + 1, titles, start))
            popularity.append(rng.lognormvariate(0.0, 0.9))
    return Catalog(products, popularity, rng)


def _quotas(count: int) -> list[int]:
    """Two products per category, the rest by weight (largest remainders first)."""
    spare = count - 2 * len(CATEGORIES)
    total = sum(spec.weight for spec in CATEGORIES)
    shares = [spare * spec.weight / total for spec in CATEGORIES]
    quotas = [2 + int(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: int(shares[i]) - shares[i])
    for i in by_remainder[: count - sum(quotas)]:
        quotas[i] += 1
    return quotas


def _product(
    rng: random.Random, spec: CategorySpec, number: int, titles: set[str], start: datetime
) -> Product:
    brand, adjective, noun = _name(rng, spec, titles)
    title = f"{brand} {adjective} {noun}"
    price = _price(rng.lognormvariate(math.log(spec.median_price), spec.price_sigma))
    tags = (*rng.sample(spec.tags, 3), adjective.lower().replace(" ", "-"), _band(price, spec))
    features = rng.sample(DESCRIPTION_FEATURES, 2)
    return Product(
        item_id=f"{spec.code.lower()}-{number:05d}",
        title=title,
        description=f"{title}, {rng.choice(spec.uses)}. {features[0]} {features[1]}",
        category=spec.name,
        brand=brand,
        price=price,
        tags=tags,
        in_stock=rng.random() < 0.9,
        created_at=(start - _DAY * rng.uniform(1.0, 730.0)).replace(microsecond=0),
    )


def _name(rng: random.Random, spec: CategorySpec, titles: set[str]) -> tuple[str, str, str]:
    """Brand, style and noun of a title no other product has."""
    for _ in range(30):
        brand, adjective = rng.choice(spec.brands), rng.choice(spec.adjectives)
        noun = rng.choice(spec.nouns)
        if f"{brand} {adjective} {noun}" not in titles:
            break
    edition = 1
    while f"{brand} {adjective} {noun}" in titles:  # a crowded department: number the editions
        edition += 1
        noun = f"{noun.split(' No. ')[0]} No. {edition}"
    titles.add(f"{brand} {adjective} {noun}")
    return brand, adjective, noun


def _band(price: float, spec: CategorySpec) -> str:
    if price < spec.median_price * 0.7:
        return "budget"
    return "premium" if price > spec.median_price * 1.6 else "mid-range"


def _price(raw: float) -> float:
    """Shop-style prices: 4.49, 4.99, 12.99, ..."""
    if raw < 10:
        return max(0.99, round(round(raw * 2) / 2 - 0.01, 2))
    return round(round(raw) - 0.01, 2)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
