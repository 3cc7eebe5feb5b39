"""One visit to the demo shop: landing, browsing, searching, the cart, the checkout funnel.

The simulation writes compact :class:`Record` tuples; :mod:`._segment` turns them into Segment
events only when they are read, which keeps a whole shop's history small and quick to sort.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._catalog import Catalog
from ._people import Persona, iso_date
from ._vocabulary import CATEGORIES, SHOP_NAME, SHOP_URL

PAGE, IDENTIFY, VIEWED, SEARCHED, ADDED, CHECKOUT, ORDER, OPENED, CLICKED = range(9)

#: utm source, medium and campaign name, as in ``context.campaign``.
Campaign = tuple[str, str, str | None]

_STATIONERY = next(i for i, spec in enumerate(CATEGORIES) if spec.name == "Stationery")
_BULK_QUANTITIES = (1, 2, 5, 10, 20)
#: Browsing stops after this long, which keeps every visit under two hours.
_LONGEST_BROWSE_MS = 45 * 60_000


class Page(NamedTuple):
    """A page of the shop's site."""

    name: str
    path: str
    title: str
    search: str
    url: str


def site_page(name: str, path: str, title: str, search: str = "") -> Page:
    """A page, its URL derived from its path and query string."""
    return Page(name, path, f"{title} | {SHOP_NAME}", search, SHOP_URL + path + search)


#: One event, compactly: time (epoch ms), kind, visitor index, user id, the visit's campaign,
#: the page, the page's referrer and what the kind needs (a product index, a query, ...).
#: Sorted by time alone; the sort is stable, so events keep the order they happened in.
Record = tuple[int, int, int, str | None, Campaign | None, Page | None, str, Any]


class Site:
    """The shop's pages, made once: home, departments, products, checkout."""

    def __init__(self, catalog: Catalog) -> None:
        self.home = site_page("Home", "/", "Homeware, gifts and more")
        self.categories = [site_page("Category", f"/c/{c.slug}", c.name) for c in CATEGORIES]
        self.products = [site_page("Product", p.path, p.title) for p in catalog.products]
        self.checkout = site_page("Checkout", "/checkout", "Checkout")
        self.confirmation = site_page("Confirmation", "/checkout/complete", "Thank you")


@dataclass(eq=False, slots=True)
class Visit:
    """The state of one visit while it is simulated.

    ``referrer`` is the current page's referrer: where the visit came from until the first
    page, then the page before.
    """

    persona: Persona
    visitor: int
    t: int
    campaign: Campaign | None
    referrer: str
    page: Page | None = None
    category: int = -1
    last_viewed: int = -1
    cart: list[tuple[int, int]] = field(default_factory=list)
    cart_id: str = ""


class Shopper:
    """Plays visits, appending their records to ``records``."""

    def __init__(self, rng: random.Random, catalog: Catalog, records: list[Record]) -> None:
        self.rng = rng
        self.catalog = catalog
        self.records = records
        self.site = Site(catalog)
        self.carts = 0
        self.orders = 0

    def emit(self, visit: Visit, kind: int, payload: Any = None) -> None:
        """Record an event of ``visit`` at its current time."""
        p = visit.persona
        user_id = p.user_id if p.identified_ms is not None else None
        record = (visit.t, kind, visit.visitor, user_id, visit.campaign, visit.page, visit.referrer)
        self.records.append((*record, payload))

    def wait(self, visit: Visit, median_s: float = 25.0) -> None:
        """Move the visit's clock on by a human pause (at most four minutes)."""
        visit.t += int(min(240.0, math.exp(self.rng.gauss(0.0, 0.8)) * median_s) * 1000) + 400

    def identify(self, visit: Visit) -> None:
        """Sign up, or log in to an account made before the simulated window."""
        p = visit.persona
        if not p.signed_up:
            p.signed_up = True
            signup_ms = p.prior_signup_ms if p.prior_signup_ms is not None else visit.t
            p.traits["signup_date"] = iso_date(signup_ms)
        p.identified_ms = visit.t
        self.emit(visit, IDENTIFY)
        self.wait(visit, 4.0)

    def run(self, visit: Visit, landing: int | None) -> int:
        """Play a whole visit; returns the time of its last event."""
        p, rng = visit.persona, self.rng
        if landing is not None:
            self.category_page(visit, landing)
        elif visit.campaign is not None and rng.random() < 0.5:
            self.view(visit, self.catalog.pick(rng, self.favourite(p), p.level))
        else:
            self.open(visit, self.site.home)
        if p.prior_signup_ms is not None and p.identified_ms is None:
            self.identify(visit)
        start = visit.t
        for _ in range(min(10, 1 + int(rng.expovariate(0.65)))):
            if visit.t - start > _LONGEST_BROWSE_MS:
                break
            self.step(visit)
        if not p.signed_up and rng.random() < 0.04:
            self.identify(visit)  # a newsletter signup
        if visit.cart:
            self.checkout(visit)
        return visit.t

    def open(self, visit: Visit, page: Page, linger: bool = True) -> None:
        """Land on ``page`` (a ``page`` event), coming from the previous one."""
        _go(visit, page)
        self.emit(visit, PAGE)
        if linger:
            self.wait(visit)

    def favourite(self, p: Persona) -> int:
        """One of the person's preferred departments, by weight."""
        draw = self.rng.random() * p.pref_cum[-1]
        return next(c for (c, _), cum in zip(p.preferences, p.pref_cum, strict=True) if draw < cum)

    def category_page(self, visit: Visit, category: int) -> None:
        """Open a department's page."""
        visit.category = category
        self.open(visit, self.site.categories[category])

    def step(self, visit: Visit) -> None:
        """One step of browsing: maybe a search or a department page, then a product."""
        p, rng, catalog = visit.persona, self.rng, self.catalog
        category = self.favourite(p) if rng.random() < 0.8 else rng.randrange(len(CATEGORIES))
        if rng.random() < 0.12:
            self.search(visit, category)
        elif category != visit.category and rng.random() < 0.5:
            self.category_page(visit, category)
        last = visit.last_viewed
        if last >= 0 and rng.random() < 0.15 and catalog.category_of[last] == category:
            product = catalog.partner[last]  # from "frequently bought together"
        else:
            product = catalog.pick(rng, category, p.level)
        self.view(visit, product)
        if catalog.products[product].in_stock and rng.random() < self.add_chance(p, product):
            self.add(visit, product)
            partner = catalog.partner[product]
            if rng.random() < 0.35 and catalog.products[partner].in_stock:
                self.add(visit, partner)

    def search(self, visit: Visit, category: int) -> None:
        """Search for a word of the department and open the results."""
        spec = CATEGORIES[category]
        words = self.rng.choice((spec.nouns, spec.tags, spec.brands))
        query = self.rng.choice(words).lower().replace("-", " ")
        self.emit(visit, SEARCHED, query)
        search = "?q=" + query.replace(" ", "+")
        self.open(visit, site_page("Search", "/search", f"Search results for {query}", search))

    def view(self, visit: Visit, product: int) -> None:
        """Open a product page: a ``page`` event, then ``Product Viewed``."""
        self.open(visit, self.site.products[product], False)
        visit.t += self.rng.randrange(300, 1500)
        visit.last_viewed = product
        self.emit(visit, VIEWED, product)
        self.wait(visit)

    def add_chance(self, p: Persona, product: int) -> float:
        """The chance that a view ends in the cart: higher in loved departments, at a good price."""
        liked = self.catalog.category_of[product] in p.liked
        fit = self.catalog.fit[p.level][product]
        return min(0.9, 0.11 * p.propensity * (1.7 if liked else 0.35) * fit)

    def add(self, visit: Visit, product: int) -> None:
        """``Product Added``; bulk quantities for business buyers of office supplies."""
        rng = self.rng
        if not visit.cart_id:
            self.carts += 1
            visit.cart_id = f"cart_{self.carts:07d}"
        if visit.persona.b2b and self.catalog.category_of[product] == _STATIONERY:
            quantity = rng.choice(_BULK_QUANTITIES)
        else:
            quantity = 1 if rng.random() < 0.85 else rng.choice((2, 2, 3))
        visit.cart.append((product, quantity))
        self.emit(visit, ADDED, (product, quantity, visit.cart_id))
        self.wait(visit, 8.0)

    def checkout(self, visit: Visit) -> None:
        """The funnel's end: many carts are abandoned, most checkouts complete."""
        p, rng = visit.persona, self.rng
        if rng.random() > min(0.95, 0.5 * p.propensity):
            return  # an abandoned cart
        if not p.signed_up and rng.random() < 0.65:
            self.identify(visit)  # "create an account" at checkout
        self.orders += 1
        order_id = f"ord_{self.orders:07d}"
        lines = _merge(visit.cart)
        _go(visit, self.site.checkout)
        self.emit(visit, CHECKOUT, (order_id, lines))
        self.wait(visit, 60.0)
        if rng.random() < 0.72:
            _go(visit, self.site.confirmation)
            self.emit(visit, ORDER, (order_id, lines))
        visit.cart = []
        visit.cart_id = ""


def _go(visit: Visit, to: Page) -> None:
    """Move to page ``to``; the page left behind becomes its referrer."""
    if visit.page is not None:
        visit.referrer = visit.page.url
    visit.page = to


def _merge(cart: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Cart lines with one line per product, in the order first added."""
    quantities: dict[int, int] = {}
    for product, quantity in cart:
        quantities[product] = quantities.get(product, 0) + quantity
    return tuple(quantities.items())
