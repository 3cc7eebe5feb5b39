"""The synthetic demo shop: sizes, Segment shape, determinism, and the hidden truth in the data."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from statistics import mean, median

import pytest

from tailored.core import ValidationError, dumps, utcnow
from tailored.demo import ShopConfig, generate_shop
from tailored.events import to_event_row
from tailored.recommend import Item

END = datetime(2024, 6, 1, 12, tzinfo=UTC)
START = END - timedelta(days=90)
SMALL = ShopConfig(seed=7, products=240, visitors=1500, end=END)
TINY = ShopConfig(seed=3, products=60, visitors=250, end=END)
B2B_TRAITS = {"company", "industry", "company_size", "job_role"}
TRACK_NAMES = {
    "Product Viewed",
    "Products Searched",
    "Product Added",
    "Checkout Started",
    "Order Completed",
    "Email Opened",
    "Email Link Clicked",
}
SHOP_URL = "https://shop.example.com"


@pytest.fixture(scope="module")
def shop():
    return generate_shop(SMALL)


@pytest.fixture(scope="module")
def events(shop):
    return list(shop.events())


@pytest.fixture(scope="module")
def people(shop):
    return {v.anonymous_id: v for v in shop.visitors}


@pytest.fixture(scope="module")
def orders(events):
    return [e for e in events if e.get("event") == "Order Completed"]


def when(event):
    return datetime.fromisoformat(event["timestamp"])


def liked(visitor):
    return {name for name, _ in visitor.preferred_categories}


@pytest.mark.slow
def test_the_default_config_meets_the_minimums():
    config = ShopConfig(end=END)
    assert (config.seed, config.products, config.visitors, config.days) == (42, 600, 6000, 90)
    shop = generate_shop(config)
    assert len(shop.products) >= 500
    assert len(shop.visitors) >= 5000
    assert shop.event_count >= 150_000
    categories = Counter(p.category for p in shop.products)
    assert 10 <= len(categories) <= 12
    assert min(categories.values()) >= 20
    for category in categories:
        assert 2 <= len({p.brand for p in shop.products if p.category == category}) <= 6
    assert 0.85 <= mean(p.in_stock for p in shop.products) <= 0.95
    assert 0.12 <= mean(v.b2b for v in shop.visitors) <= 0.18


def test_the_same_config_gives_the_same_bytes_and_another_seed_does_not():
    first, again = generate_shop(TINY), generate_shop(TINY)
    assert dumps(list(first.events())) == dumps(list(again.events()))
    assert first.product_dicts() == again.product_dicts()
    assert first.visitors == again.visitors
    other = generate_shop(replace(TINY, seed=4))
    assert dumps(list(other.events())) != dumps(list(first.events()))
    assert {v.anonymous_id for v in other.visitors}.isdisjoint(
        v.anonymous_id for v in first.visitors
    )


def test_events_are_fresh_dicts_each_time(shop, events):
    again = next(shop.events())
    assert again == events[0]
    assert again is not events[0] and again["context"] is not events[0]["context"]
    assert len(events) == shop.event_count


def test_every_event_is_a_valid_segment_message(events):
    for event in events:
        assert event["type"] in {"track", "identify", "page"}
        assert isinstance(event["messageId"], str)
        assert isinstance(event["anonymousId"], str)
        assert event["timestamp"].endswith("Z")
        assert START <= when(event) <= END
        context = event["context"]
        assert {"userAgent", "locale", "timezone"} <= context.keys()
        row = to_event_row(event, END)  # the ingestion path's own validation
        assert row["message_id"] == event["messageId"]
        assert row["timestamp"] == when(event)
    assert [when(e) for e in events] == sorted(when(e) for e in events)


def test_each_type_carries_its_body(events):
    for event in events:
        if event["type"] == "track":
            assert event["event"] in TRACK_NAMES
            assert isinstance(event["properties"], dict)
        elif event["type"] == "page":
            props = event["properties"]
            assert event["name"] in {"Home", "Category", "Product", "Search"}
            assert props["url"] == SHOP_URL + props["path"] + props["search"]
            assert props["title"].endswith("| Larkspur & Co")
            assert event["context"]["page"]["url"] == props["url"]
            assert event["context"]["page"]["referrer"] == props["referrer"]
        else:
            assert event["traits"]["email"]
    assert {e["name"] for e in events if e["type"] == "page"} == {
        "Home",
        "Category",
        "Product",
        "Search",
    }
    assert {e["event"] for e in events if e["type"] == "track"} == TRACK_NAMES


def test_message_ids_are_unique_uuids(events):
    ids = [e["messageId"] for e in events]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 8 for i in ids[:: max(1, len(ids) // 500)])


def test_user_id_appears_only_after_the_identify_that_introduced_it(events, people):
    introduced: dict[str, str] = {}
    for event in events:
        if event["type"] == "identify":
            introduced[event["anonymousId"]] = event["userId"]
        elif "userId" in event:
            assert introduced.get(event["anonymousId"]) == event["userId"]
    signed_up = {v.anonymous_id: v.user_id for v in people.values() if v.user_id is not None}
    assert introduced == signed_up
    assert 0.2 < len(signed_up) / len(people) < 0.8


def test_identify_sends_the_visitor_traits_with_a_signup_date(events, people):
    for event in (e for e in events if e["type"] == "identify"):
        traits = people[event["anonymousId"]].traits
        assert event["traits"] == {k: v for k, v in traits.items() if v is not None}
        assert datetime.fromisoformat(event["traits"]["signup_date"]).date() <= when(event).date()
    for visitor in people.values():
        assert (visitor.traits["signup_date"] is None) == (visitor.user_id is None)


def test_user_agents_match_the_device(events, people):
    marks = {
        "mobile": ("iPhone", "Mobile"),
        "tablet": ("iPad", "SM-X"),
        "desktop": ("Windows", "Mac"),
    }
    for event in events[::7]:
        device = people[event["anonymousId"]].traits["device"]
        user_agent = event["context"]["userAgent"]
        assert any(mark in user_agent for mark in marks[device])
        assert device == "tablet" or "iPad" not in user_agent


def test_order_revenue_is_the_sum_of_its_lines(events, orders, shop):
    catalog = {p.item_id: p for p in shop.products}
    checkouts = {}
    for event in events:
        if event.get("event") == "Checkout Started":
            checkouts[event["properties"]["order_id"]] = event
    assert orders
    for order in orders:
        props = order["properties"]
        lines = props["products"]
        assert props["currency"] == "GBP"
        assert props["revenue"] == round(sum(line["price"] * line["quantity"] for line in lines), 2)
        assert props["total"] == round(props["revenue"] + props["shipping"], 2)
        for line in lines:
            product = catalog[line["product_id"]]
            assert (line["name"], line["category"], line["brand"], line["price"]) == (
                product.title,
                product.category,
                product.brand,
                product.price,
            )
            assert line["quantity"] >= 1
        checkout = checkouts[props["order_id"]]
        assert when(checkout) < when(order)
        assert checkout["properties"]["value"] == props["revenue"]


def test_the_funnel_drops_off_and_carts_are_abandoned(events):
    names = Counter(e.get("event") for e in events)
    carts = {e["properties"]["cart_id"] for e in events if e.get("event") == "Product Added"}
    viewed, added = names["Product Viewed"], names["Product Added"]
    assert viewed > added > names["Checkout Started"] > names["Order Completed"] > 0
    assert len(carts) > 1.3 * names["Checkout Started"]  # a cart reaches at most one checkout


def test_product_views_happen_on_the_product_page(events):
    for event in events:
        if event.get("event") in ("Product Viewed", "Product Added"):
            product_id = event["properties"]["product_id"]
            assert event["properties"]["sku"] == product_id.upper()
            if event["event"] == "Product Viewed":
                assert event["context"]["page"]["path"] == f"/p/{product_id}"


def test_views_and_purchases_follow_the_preferred_categories(events, people, orders):
    views = [
        e["properties"]["category"] in liked(people[e["anonymousId"]])
        for e in events
        if e.get("event") == "Product Viewed"
    ]
    assert mean(views) >= 0.75
    bought: dict[str, Counter[str]] = defaultdict(Counter)
    for order in orders:
        for line in order["properties"]["products"]:
            bought[order["anonymousId"]][line["category"]] += line["quantity"]
    top_in_liked = [c.most_common(1)[0][0] in liked(people[a]) for a, c in bought.items()]
    assert len(top_in_liked) >= 200
    assert mean(top_in_liked) >= 0.85


def test_price_sensitive_people_buy_cheaper_items(shop, people, orders):
    by_category = defaultdict(list)
    for product in shop.products:
        by_category[product.category].append(product.price)
    middle = {category: median(prices) for category, prices in by_category.items()}
    ratios: dict[bool, list[float]] = {True: [], False: []}
    for order in orders:
        sensitivity = people[order["anonymousId"]].price_sensitivity
        if 0.35 <= sensitivity <= 0.65:
            continue
        for line in order["properties"]["products"]:
            ratios[sensitivity > 0.65].append(line["price"] / middle[line["category"]])
    assert mean(ratios[True]) < 0.75 * mean(ratios[False])


def test_items_bought_together_come_in_complementary_pairs(orders):
    together: dict[str, Counter[str]] = defaultdict(Counter)
    same_category = []
    for order in orders:
        lines = order["properties"]["products"]
        if len(lines) < 2:
            continue
        same_category.append(len({line["category"] for line in lines}) < len(lines))
        for a in lines:
            for b in lines:
                if a is not b:
                    together[a["product_id"]][b["product_id"]] += 1
    assert mean(same_category) >= 0.7
    shares = [c.most_common(1)[0][1] / c.total() for c in together.values() if c.total() >= 3]
    assert len(shares) >= 50
    assert mean(shares) >= 0.3  # one partner stands out; at random it would be far less


def test_lifecycles_shape_when_people_visit(events, people):
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    for event in events:
        first.setdefault(event["anonymousId"], when(event))
        last[event["anonymousId"]] = when(event)
    assert first.keys() == people.keys()
    for anonymous_id, visitor in people.items():
        lifecycle, seen, gone = visitor.lifecycle, first[anonymous_id], last[anonymous_id]
        if lifecycle == "new":
            assert seen >= END - timedelta(days=14)
        elif lifecycle == "active":
            assert gone >= END - timedelta(days=7)
        elif lifecycle == "lapsing":
            assert END - timedelta(days=60) <= gone < END - timedelta(days=30)
        else:
            assert gone < START + timedelta(days=30)
    assert Counter(v.lifecycle for v in people.values()).keys() == {
        "new",
        "active",
        "lapsing",
        "churned",
    }


def test_b2b_traits_are_only_on_the_b2b_slice(events, people):
    for visitor in people.values():
        assert (visitor.traits.keys() & B2B_TRAITS) == (B2B_TRAITS if visitor.b2b else set())
    for event in (e for e in events if e["type"] == "identify"):
        has_company = bool(event["traits"].keys() & B2B_TRAITS)
        assert has_company == people[event["anonymousId"]].b2b
    assert 0.11 <= mean(v.b2b for v in people.values()) <= 0.19


def test_visitor_traits_and_hidden_truth(people, shop):
    visitors = list(people.values())
    categories = {p.category for p in shop.products}
    assert len({v.traits["email"] for v in visitors}) == len(visitors)
    countries = Counter(v.traits["country"] for v in visitors)
    assert {"GB", "US", "DE", "FR", "NL", "ES", "IT"} <= countries.keys()
    assert countries.most_common(1)[0][0] == "GB"
    assert {v.traits["device"] for v in visitors} == {"mobile", "desktop", "tablet"}
    sources = {v.traits["traffic_source"] for v in visitors}
    assert sources == {"organic", "paid_search", "social", "email", "referral", "direct"}
    for visitor in visitors:
        paid = visitor.traits["traffic_source"] in ("paid_search", "social", "email")
        assert (visitor.traits["utm_campaign"] is not None) == paid
        assert 1 <= len(visitor.preferred_categories) <= 3
        assert {name for name, _ in visitor.preferred_categories} <= categories
        assert sum(w for _, w in visitor.preferred_categories) == pytest.approx(1.0, abs=0.011)
        assert 0.0 <= visitor.price_sensitivity <= 1.0


def test_the_acquisition_campaign_is_on_the_first_visit(events, people):
    first_events = {}
    for event in events:
        first_events.setdefault(event["anonymousId"], event)
    for anonymous_id, event in first_events.items():
        traits = people[anonymous_id].traits
        campaign = event["context"].get("campaign")
        if traits["utm_campaign"] is not None:
            assert campaign["name"] == traits["utm_campaign"]
        elif traits["traffic_source"] in ("organic", "direct"):
            assert campaign is None


def test_email_events_belong_to_identified_people(events):
    emails = [e for e in events if e.get("event", "").startswith("Email")]
    assert emails
    for event in emails:
        assert "userId" in event
        assert event["properties"]["campaign_id"] and event["properties"]["subject"]
        assert event["context"]["campaign"]["medium"] == "email"
        assert event["context"]["campaign"]["name"] == event["properties"]["campaign_name"]


def test_products_are_complete_and_import_as_catalog_items(shop):
    products = shop.products
    assert len({p.item_id for p in products}) == len(products)
    assert len({p.title for p in products}) == len(products)
    for product in products:
        assert product.price > 0 and product.price == round(product.price, 2)
        assert product.tags and product.description.startswith(product.title)
        assert product.created_at < START
    items = [Item.model_validate(d) for d in shop.product_dicts()]
    assert [i.item_id for i in items] == [p.item_id for p in products]
    assert items[0].categories == [products[0].category]


@pytest.mark.parametrize(
    "change",
    [
        {"days": 30},
        {"visitors": 0},
        {"products": 5},
        {"b2b_share": 1.5},
        {"end": datetime(2024, 6, 1)},
    ],
)
def test_bad_configs_are_refused(change):
    with pytest.raises(ValidationError):
        ShopConfig(**change)


def test_the_window_ends_at_the_current_hour_by_default():
    shop = generate_shop(ShopConfig(products=24, visitors=5))
    end = shop.config.end
    assert end is not None and end.utcoffset() == timedelta(0)
    assert (end.minute, end.second, end.microsecond) == (0, 0, 0)
    assert timedelta(0) <= utcnow() - end < timedelta(hours=1, minutes=1)
