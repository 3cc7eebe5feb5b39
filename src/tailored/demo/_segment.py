"""Simulation records as Segment HTTP tracking events, ready for ``POST /v1/batch``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tailored import __version__
from tailored.core import JSONObject

from ._catalog import Product
from ._people import Visitor
from ._sessions import (
    ADDED,
    CHECKOUT,
    CLICKED,
    IDENTIFY,
    OPENED,
    ORDER,
    PAGE,
    SEARCHED,
    VIEWED,
    Campaign,
    Page,
    Record,
)
from ._timeline import EmailCampaign
from ._vocabulary import CATEGORIES, CURRENCY, SHOP_URL

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LIBRARY_NAME = "tailored-demo"
#: Orders below this subtotal pay for delivery.
FREE_SHIPPING_FROM = 40.0
SHIPPING = 3.95
_TRACK_NAMES = {
    VIEWED: "Product Viewed",
    SEARCHED: "Products Searched",
    ADDED: "Product Added",
    CHECKOUT: "Checkout Started",
    ORDER: "Order Completed",
    OPENED: "Email Opened",
    CLICKED: "Email Link Clicked",
}


@dataclass(frozen=True)
class History:
    """What a shop needs to write its events: the records and their context.

    Attributes:
        records: The simulation's records, sorted by time.
        campaigns: The newsletter sends that email events refer to.
        browsers: Per visitor: user agent, locale and time zone.
        id_prefix: The first 24 characters of every ``messageId`` (a UUID, version 8).
    """

    records: list[Record]
    campaigns: list[EmailCampaign]
    browsers: list[tuple[str, str, str]]
    id_prefix: str


def timestamp(ms: int) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``.

    >>> timestamp(0)
    '1970-01-01T00:00:00.000Z'
    >>> timestamp(1_717_243_199_999)
    '2024-06-01T11:59:59.999Z'
    """
    day, ms = divmod(ms, 86_400_000)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = (_EPOCH + timedelta(days=day)).date().isoformat()
    seconds, ms = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{date}T{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}Z"


_DATES: dict[int, str] = {}


class EventWriter:
    """Turns records into Segment events: ``page``, ``identify`` and e-commerce ``track``."""

    def __init__(self, history: History, products: list[Product], visitors: list[Visitor]):
        self.history = history
        self.visitors = visitors
        self.products = [_product_properties(p) for p in products]
        self.prices = [p.price for p in products]

    def events(self) -> Iterator[JSONObject]:
        """Every event, in time order."""
        for index, record in enumerate(self.history.records):
            yield self.event(index, record)

    def event(self, index: int, record: Record) -> JSONObject:
        """The Segment event of the ``index``-th record."""
        ts, kind, visitor_index, user_id, campaign, page, referrer, payload = record
        visitor = self.visitors[visitor_index]
        event: JSONObject = {
            "type": "page" if kind == PAGE else "identify" if kind == IDENTIFY else "track",
            "messageId": f"{self.history.id_prefix}{index:012x}",
            "timestamp": timestamp(ts),
            "anonymousId": visitor.anonymous_id,
        }
        if user_id is not None:
            event["userId"] = user_id
        if kind == PAGE:
            assert page is not None
            event["name"] = page.name
            event["properties"] = {"name": page.name, **_page(page, referrer)}
        elif kind == IDENTIFY:
            event["traits"] = {k: v for k, v in visitor.traits.items() if v is not None}
        else:
            event["event"] = _TRACK_NAMES[kind]
            event["properties"] = self.properties(kind, payload)
        event["context"] = self.context(visitor_index, campaign, page, referrer)
        return event

    def properties(self, kind: int, payload: Any) -> JSONObject:
        """The properties of a ``track`` event, per the Segment e-commerce and email specs."""
        if kind == VIEWED:
            return dict(self.products[payload])
        if kind == SEARCHED:
            return {"query": payload}
        if kind == ADDED:
            product, quantity, cart_id = payload
            return {"cart_id": cart_id, **self.products[product], "quantity": quantity}
        if kind in (CHECKOUT, ORDER):
            return self.order(kind, *payload)
        return self.email(kind, payload)

    def order(self, kind: int, order_id: str, lines: tuple[tuple[int, int], ...]) -> JSONObject:
        """``Checkout Started`` or ``Order Completed``: revenue is the sum of the lines."""
        products = [{**self.products[p], "quantity": q} for p, q in lines]
        for line in products:
            del line["currency"], line["url"]
        revenue = round(sum(self.prices[p] * q for p, q in lines), 2)
        if kind == CHECKOUT:
            return {
                "order_id": order_id,
                "value": revenue,
                "revenue": revenue,
                "currency": CURRENCY,
                "products": products,
            }
        shipping = 0.0 if revenue >= FREE_SHIPPING_FROM else SHIPPING
        return {
            "order_id": order_id,
            "total": round(revenue + shipping, 2),
            "revenue": revenue,
            "shipping": shipping,
            "currency": CURRENCY,
            "products": products,
        }

    def email(self, kind: int, index: int) -> JSONObject:
        """``Email Opened`` or ``Email Link Clicked``."""
        c = self.history.campaigns[index]
        props: JSONObject = {
            "campaign_id": c.campaign_id,
            "campaign_name": c.name,
            "subject": c.subject,
            "category": CATEGORIES[c.category].name,
        }
        if kind == CLICKED:
            query = f"?utm_source=newsletter&utm_medium=email&utm_campaign={c.name}"
            props["link_url"] = f"{SHOP_URL}/c/{CATEGORIES[c.category].slug}{query}"
        return props

    def context(
        self, visitor: int, campaign: Campaign | None, page: Page | None, referrer: str
    ) -> JSONObject:
        """The browser the event came from, its page, and the campaign of the visit."""
        user_agent, locale, timezone = self.history.browsers[visitor]
        context: JSONObject
        if page is None:
            context = {"userAgent": user_agent, "locale": locale, "timezone": timezone}
        else:
            context = {
                "page": _page(page, referrer),
                "userAgent": user_agent,
                "locale": locale,
                "timezone": timezone,
            }
        if campaign is not None:
            source, medium, name = campaign
            if name is None:
                context["campaign"] = {"source": source, "medium": medium}
            else:
                context["campaign"] = {"source": source, "medium": medium, "name": name}
        context["library"] = {"name": _LIBRARY_NAME, "version": __version__}
        return context


def _page(page: Page, referrer: str) -> JSONObject:
    return {
        "path": page.path,
        "referrer": referrer,
        "search": page.search,
        "title": page.title,
        "url": page.url,
    }


def _product_properties(p: Product) -> dict[str, Any]:
    return {
        "product_id": p.item_id,
        "sku": p.sku,
        "name": p.title,
        "category": p.category,
        "brand": p.brand,
        "price": p.price,
        "currency": CURRENCY,
        "url": SHOP_URL + p.path,
    }
