"""On the demo shop, recommendations follow the shoppers' hidden tastes."""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from tailored import storage
from tailored.core import NotFound
from tailored.demo import ShopConfig, generate_shop, load_items, load_messages
from tailored.recommend import Item, demo_examples, recommend_for, train_demo
from tests.fixtures.databases import make_settings


@pytest.fixture(scope="module")
def demo(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    engine = storage.create_engine(make_settings(f"sqlite:///{path}"))
    shop = generate_shop(ShopConfig(products=360, visitors=500, days=70, seed=5))
    load_items(engine, 1, [Item(**p) for p in shop.product_dicts()])
    load_messages(engine, 1, list(shop.events()))
    run = train_demo(engine, 1)
    yield engine, shop, run
    engine.dispose()


def test_for_you_follows_preferred_categories(demo):
    engine, shop, run = demo
    assert run.metrics["ndcg@20"] > 2 * run.metrics["popularity_ndcg@20"]
    category = {p.item_id: p.category for p in shop.products}
    following = served = 0
    for visitor in shop.visitors:
        preferred = {c for c, _ in visitor.preferred_categories}
        found = recommend_for(engine, 1, visitor.anonymous_id, "for_you", k=10)
        if found.source != "als":
            continue  # no product events: a cold start, served trending
        served += 1
        inside = sum(category[i.item_id] in preferred for i in found.items)
        following += inside > len(found.items) / 2
    assert served > len(shop.visitors) / 2
    assert following / served >= 0.75, (following, served)


def test_similar_and_bought_together_stay_in_the_category(demo):
    engine, shop, _ = demo
    category = {p.item_id: p.category for p in shop.products}
    shares = {"similar": [], "bought_together": []}
    for product in shop.products[::12]:
        for strategy, share in shares.items():
            try:
                found = recommend_for(engine, 1, None, strategy, item=product.item_id, k=5)
            except NotFound:  # an item nobody touched
                continue
            same = sum(category[i.item_id] == product.category for i in found.items)
            share.append(same / max(len(found.items), 1))
    for strategy, share in shares.items():
        assert len(share) >= 20 and sum(share) / len(share) > 0.5, strategy


def test_demo_examples_are_servable(demo):
    engine, _, _ = demo
    examples = demo_examples(engine, 1)
    titles = [t for t, _ in examples]
    assert titles[0].startswith("For you: prof_") and "mostly looks at" in titles[0]
    assert any(t.startswith("Bought together with") for t in titles)
    for _, path in examples:
        parts = urlsplit(path)
        assert parts.path == "/v1/recommendations"
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        found = recommend_for(
            engine, 1, query.get("user"), query["strategy"], query.get("item"), int(query["k"])
        )
        assert len(found.items) == 5, path
