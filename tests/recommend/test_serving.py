"""Training on the event log and serving with fold-in and business rules, on real databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tailored import storage
from tailored.core import Conflict, NotFound, ValidationError
from tailored.recommend import (
    Pin,
    Rules,
    ScoreRule,
    get_item,
    list_versions,
    model_cache,
    recommend_for,
    rollback,
    train_workspace,
)
from tests.recommend import twotastes as shop
from tests.recommend.twotastes import CONFIG, GARDEN, KITCHEN, NOW, event


@pytest.fixture
def trained(engine):
    shop.build(engine)
    run = train_workspace(engine, 1, CONFIG)
    return engine, run


def ids(found):
    return [i.item_id for i in found.items]


def test_training_stores_a_version_with_holdout_metrics(trained):
    engine, run = trained
    assert run.version.version == 1 and run.version.active
    m = run.metrics
    assert m["users"] == 30 and m["items"] == 20 and m["orders"] == 30
    assert 0 <= m["popularity_ndcg@20"] <= 1 and m["ndcg@20"] > m["popularity_ndcg@20"]
    with engine.connect() as conn:
        assert [v.version for v in list_versions(conn, 1)] == [1]


def test_for_you_follows_taste_and_leaves_out_what_was_seen(trained):
    engine, _ = trained
    found = recommend_for(engine, 1, "u00", "for_you", k=3, now=NOW)
    assert found.source == "als" and found.model_version == 1
    assert found.recommendation_id.startswith("rec_") and found.profile_id.startswith("prof_")
    assert all(i in KITCHEN for i in ids(found)), ids(found)
    seen = {
        e["properties"]["product_id"]
        for e in shop.history()
        if e["userId"] == "u00" and e["event"] == "Product Viewed"
    }
    assert not seen & set(ids(found))
    other = recommend_for(engine, 1, "u00", "for_you", k=3, now=NOW)
    assert other.recommendation_id != found.recommendation_id


def test_new_events_change_for_you_without_retraining(trained):
    engine, _ = trained
    first = recommend_for(engine, 1, "newbie", "for_you", k=5, now=NOW)
    assert first.source == "trending" and first.profile_id is None
    later = NOW + timedelta(minutes=1)
    shop.load(engine, [event("newbie", "Product Viewed", [g], later) for g in GARDEN[:3]], later)
    second = recommend_for(engine, 1, "newbie", "for_you", k=5, now=later)
    assert second.source == "als" and second.model_version == 1
    assert sum(i in GARDEN for i in ids(second)) >= 4, ids(second)
    assert not set(GARDEN[:3]) & set(ids(second))
    viewed = recommend_for(engine, 1, "newbie", "recently_viewed", k=5, now=later)
    assert ids(viewed) == [GARDEN[2], GARDEN[1], GARDEN[0]], "newest first, immediately"


def test_exclusions_stock_and_filter(trained):
    engine, _ = trained
    bought = [e for e in shop.history() if e["userId"] == "u20" and e["event"] == "Order Completed"]
    purchased = {p["product_id"] for p in bought[0]["properties"]["products"]}
    loose = Rules(exclude_seen=False, exclude_purchased=False, in_stock_only=False, pool=50)
    everything = ids(recommend_for(engine, 1, "u20", "for_you", k=24, rules=loose, now=NOW))
    assert purchased <= set(everything) and "g09" in everything
    strict = Rules(exclude_seen=False, pool=50)
    kept = ids(recommend_for(engine, 1, "u20", "for_you", k=24, rules=strict, now=NOW))
    assert not purchased & set(kept) and "g09" not in kept
    cheap = Rules(filter={"price": {"$lte": 20}, "category": "Kitchen"}, pool=50)
    found = ids(recommend_for(engine, 1, "u20", "for_you", k=10, rules=cheap, now=NOW))
    assert found and set(found) <= {"k00", "k01", "k02", "k03"}
    with pytest.raises(ValidationError):
        recommend_for(engine, 1, "u20", "for_you", rules=Rules(filter={"price": {"$bad": 1}}))


def test_boost_bury_pins_and_diversity(trained):
    engine, _ = trained
    base = Rules(exclude_seen=False, exclude_purchased=False, pool=50)
    boosted = base.model_copy(update={"boost": [ScoreRule(condition={"category": "Kitchen"},
                                                          weight=2)]})  # fmt: skip
    top = ids(recommend_for(engine, 1, "u20", "for_you", k=5, rules=boosted, now=NOW))
    assert all(i in KITCHEN for i in top), "a boost of 2 lifts every kitchen item to the top"
    buried = base.model_copy(update={"bury": [ScoreRule(condition={"category": "Garden"},
                                                        weight=2)]})  # fmt: skip
    assert all(i in KITCHEN for i in ids(recommend_for(engine, 1, "u20", "for_you", k=5,
                                                       rules=buried, now=NOW)))  # fmt: skip
    pinned = base.model_copy(update={"pinned": [Pin(item_id="k05", position=2)]})
    found = recommend_for(engine, 1, "u20", "for_you", k=5, rules=pinned, now=NOW)
    assert ids(found)[1] == "k05" and found.items[1].score is None
    mixed = base.model_copy(update={"max_per_category": 2})
    found_ids = ids(recommend_for(engine, 1, "u20", "for_you", k=4, rules=mixed, now=NOW))
    assert sum(i in GARDEN for i in found_ids) == 2 and sum(i in KITCHEN for i in found_ids) == 2
    diverse = base.model_copy(update={"diversity": 0.9})
    spread = ids(recommend_for(engine, 1, "u20", "for_you", k=4, rules=diverse, now=NOW))
    assert any(i in KITCHEN for i in spread), "MMR reaches into the other taste"


def test_impressions_cap(trained):
    engine, _ = trained
    rules = Rules(max_impressions=2)
    first = ids(recommend_for(engine, 1, "u03", "for_you", k=3, rules=rules, now=NOW))
    shown = [
        event("u03", "Recommendations Viewed", first, NOW - timedelta(hours=h),
              recommendation_id="rec_x")
        for h in (1, 2)
    ]  # fmt: skip
    shop.load(engine, shown)
    again = ids(recommend_for(engine, 1, "u03", "for_you", k=3, rules=rules, now=NOW))
    assert not set(first) & set(again)
    once_is_fine = ids(recommend_for(engine, 1, "u03", "for_you", k=3, now=NOW))
    assert once_is_fine == first


def test_similar_bought_together_and_trending(trained):
    engine, _ = trained
    similar = recommend_for(engine, 1, None, "similar", item="k01", k=5, now=NOW)
    assert similar.source == "similar" and "k01" not in ids(similar)
    assert sum(i in KITCHEN for i in ids(similar)) >= 4
    together = recommend_for(engine, 1, None, "bought_together", item="g02", k=3, now=NOW)
    assert together.source == "bought_together" and all(i in GARDEN for i in ids(together))
    assert len(recommend_for(engine, 1, None, "trending", k=7, now=NOW).items) == 7
    with pytest.raises(NotFound):
        recommend_for(engine, 1, None, "similar", item="nope", now=NOW)
    with pytest.raises(ValidationError):
        recommend_for(engine, 1, None, "similar", now=NOW)
    with pytest.raises(ValidationError):
        recommend_for(engine, 1, None, "sideways", now=NOW)


def test_no_model_yet(engine):
    shop.load(engine, [event("u1", "Product Viewed", ["k01"], NOW)])
    with pytest.raises(NotFound, match="tailored train"):
        recommend_for(engine, 1, "u1", "for_you", now=NOW)
    assert ids(recommend_for(engine, 1, "u1", "recently_viewed", now=NOW)) == ["k01"]
    with pytest.raises(ValidationError, match="item interactions"):
        train_workspace(engine, 1, CONFIG)


def test_versions_kept_rolled_back_and_reloaded(trained):
    engine, _ = trained
    keep_two = CONFIG.model_copy(update={"keep_versions": 2})
    assert recommend_for(engine, 1, "u00", "for_you", now=NOW).model_version == 1
    for _ in range(2):
        train_workspace(engine, 1, keep_two)
    with engine.connect() as conn:
        assert [v.version for v in list_versions(conn, 1)] == [3, 2]
    assert recommend_for(engine, 1, "u00", "for_you", now=NOW).model_version == 3
    with storage.write_transaction(engine) as conn:
        assert rollback(conn, 1).version == 2
    assert recommend_for(engine, 1, "u00", "for_you", now=NOW).model_version == 2
    with storage.write_transaction(engine) as conn, pytest.raises(Conflict):
        rollback(conn, 1)
    with storage.write_transaction(engine) as conn:
        assert rollback(conn, 1, to=3).version == 3
    with engine.connect() as conn:
        assert model_cache(engine).get(conn, 1).version.version == 3


def test_items_learned_from_events_never_overwrite_the_catalog(engine):
    shop.build(engine)
    named = {"product_id": "k01", "name": "Other name", "category": "Other", "price": 99}
    new = {"product_id": "n01", "name": "Brand new", "category": "Tools", "brand": "Zed",
           "price": 3.5, "currency": "EUR"}  # fmt: skip
    messages = [
        {"type": "track", "userId": "u01", "event": "Product Viewed", "properties": p,
         "timestamp": NOW.isoformat()}
        for p in (named, new)
    ]  # fmt: skip
    shop.load(engine, messages)
    run = train_workspace(engine, 1, CONFIG)
    assert run.learned_items == 1
    with engine.connect() as conn:
        kept = get_item(conn, 1, "k01")
        learned = get_item(conn, 1, "n01")
    assert kept["title"] == "Kitchen thing k01" and kept["price"] == 10.0
    assert kept["categories"] == ["Home", "Kitchen"]
    assert learned["title"] == "Brand new" and learned["categories"] == ["Tools"]
    assert learned["brand"] == "Zed" and learned["currency"] == "EUR"
    assert learned["properties"] == {"learned_from_events": True}
