"""The contract every recommendation model obeys, run over each of them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tailored.core import NotFound, ValidationError
from tailored.recommend._als import ALS, ALSConfig
from tailored.recommend._content import ContentBased
from tailored.recommend._cooccurrence import FrequentlyBoughtTogether
from tailored.recommend._ease import EASE
from tailored.recommend._hybrid import Hybrid
from tailored.recommend._itemknn import ItemKNN
from tailored.recommend._popularity import Popularity, Trending
from tailored.recommend._protocol import BatchScorer, FoldIn, Recommender
from tailored.recommend._scoring import ScoringModel

from .conftest import make_documents


def _hybrid() -> Hybrid:
    members = {
        "ease": EASE(),
        "itemknn": ItemKNN(),
        "content": ContentBased(make_documents()),
    }
    return Hybrid(members, fallback=Trending())


FACTORIES: dict[str, Callable[[], ScoringModel]] = {
    "popularity": Popularity,
    "trending": Trending,
    "itemknn": ItemKNN,
    "als": lambda: ALS(ALSConfig(factors=8, iterations=5, seed=3)),
    "ease": EASE,
    "content": lambda: ContentBased(make_documents()),
    "fbt": FrequentlyBoughtTogether,
    "hybrid": _hybrid,
}


@pytest.fixture(params=sorted(FACTORIES))
def factory(request: pytest.FixtureRequest) -> Callable[[], ScoringModel]:
    return FACTORIES[request.param]


@pytest.fixture
def model(factory, shop):
    return factory().fit(shop)


def test_obeys_the_protocols(model):
    assert isinstance(model, Recommender)
    assert isinstance(model, FoldIn)
    assert isinstance(model, BatchScorer)


def test_recommend_returns_k_distinct_new_items(model, shop):
    for user in ("u00", "u25"):
        recs = model.recommend(user, k=5)
        items = [r.item for r in recs]
        assert len(items) == 5
        assert len(set(items)) == 5
        assert set(items) <= set(model.item_ids)
        assert not set(items) & set(shop.history(user))
        scores = [r.score for r in recs]
        assert scores == sorted(scores, reverse=True)


def test_recommend_leaves_out_what_it_is_told(model):
    first = [r.item for r in model.recommend("u03", k=6)]
    again = [r.item for r in model.recommend("u03", k=6, exclude=[*first[:3], "no-such-item"])]
    assert len(again) == 6
    assert not set(again) & set(first[:3])
    assert again[:3] == first[3:]


def test_same_seed_same_lists(factory, shop):
    one, two = factory().fit(shop), factory().fit(shop)
    for user in ("u01", "u30"):
        assert one.recommend(user, k=8) == two.recommend(user, k=8)
    assert one.similar("i04", k=8) == two.similar("i04", k=8)


def test_similar_never_returns_the_item_itself(model):
    for item in ("i00", "i07", "i20"):
        items = [r.item for r in model.similar(item, k=10)]
        assert item not in items
        assert len(items) == len(set(items)) == 10


def test_recommend_for_items_leaves_out_the_history(model):
    history = ["i01", "i02", "i03", "unknown-item"]
    items = [r.item for r in model.recommend_for_items(history, k=7, exclude=["i04"])]
    assert len(items) == len(set(items)) == 7
    assert not set(items) & {"i01", "i02", "i03", "i04"}


def test_k_beyond_the_catalog_gives_every_allowed_item_once(model, shop):
    items = [r.item for r in model.recommend("u05", k=1000)]
    assert len(items) == len(set(items)) == len(model.item_ids) - len(shop.history("u05"))
    assert model.recommend("u05", k=0) == []


def test_score_users_covers_the_fitted_items(model, shop):
    scores = model.score_users(np.array([0, 1, 2]))
    assert scores.shape == (3, len(shop.items))


def test_unknown_ids(model):
    with pytest.raises(NotFound, match="unknown item"):
        model.similar("no-such-item")
    if isinstance(model, Hybrid):
        assert len(model.recommend("newcomer", k=4)) == 4
    else:
        with pytest.raises(NotFound, match="unknown user 'newcomer'"):
            model.recommend("newcomer")


def test_an_unfitted_model_says_so(factory):
    with pytest.raises(ValidationError, match="not fitted"):
        factory().recommend("u00")
