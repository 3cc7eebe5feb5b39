"""Comparing models: tuned on validation, scored once on test, popularity always shown."""

from __future__ import annotations

import pytest

from tailored.core import ValidationError
from tailored.recommend._ease import EASE, EASEConfig
from tailored.recommend._evaluate import (
    Candidate,
    HybridCandidate,
    compare,
    default_candidates,
    evaluate_models,
)
from tailored.recommend._hybrid import HybridConfig
from tailored.recommend._itemknn import ItemKNN, ItemKNNConfig
from tailored.recommend._metrics import evaluate
from tailored.recommend._split import random_split, validation_split


def small_candidates():
    return [
        Candidate("ease", EASE, [EASEConfig(l2=1e6), EASEConfig(l2=10.0)]),
        Candidate("itemknn", ItemKNN, [ItemKNNConfig(neighbors=5)]),
        HybridCandidate(
            "hybrid", ["ease", "itemknn"], [HybridConfig(), HybridConfig(fusion="weighted")]
        ),
    ]


def test_compare_tunes_on_validation_and_adds_the_baseline(shop):
    rows = compare(random_split(shop, min_items=5), small_candidates(), ks=(5, 10))
    assert [r["model"] for r in rows] == ["popularity", "ease", "itemknn", "hybrid"]
    by_model = {r["model"]: r for r in rows}
    for row in rows:
        assert row["protocol"] == "random"
        for key in ("recall@5", "ndcg@10", "map@10", "coverage@10", "popularity@10", "users"):
            assert 0 <= row[key] <= max(1, row["users"])
        assert "validation_ndcg@10" in row
    # the setting chosen is the best on the validation split carved from training
    val = validation_split(random_split(shop, min_items=5))
    scores = {
        l2: evaluate(EASE(EASEConfig(l2=l2)).fit(val.train), val.train, val.test, (10,))["ndcg@10"]
        for l2 in (1e6, 10.0)
    }
    best = max(scores, key=lambda l2: scores[l2])
    assert by_model["ease"]["params"]["l2"] == best
    assert by_model["ease"]["validation_ndcg@10"] == scores[best]
    assert by_model["ease"]["ndcg@10"] > 2 * by_model["popularity"]["ndcg@10"]
    assert by_model["hybrid"]["params"]["fusion"] in {"rrf", "weighted"}


def test_without_tuning_the_first_setting_is_used(shop):
    rows = evaluate_models(shop, "leave-last-out", small_candidates()[:1], tune=False)
    assert rows[1]["params"]["l2"] == 1e6
    assert "validation_ndcg@20" not in rows[1]


def test_hybrids_need_their_members_first(shop):
    hybrid_only = [HybridCandidate("hybrid", ["ease"], [HybridConfig()])]
    with pytest.raises(ValidationError, match="needs earlier candidates"):
        compare(random_split(shop), hybrid_only, tune=False)


def test_default_candidates_follow_the_data():
    names = [c.name for c in default_candidates({"x": "text"}, timestamps=True)]
    assert names == ["popularity", "trending", "itemknn", "als", "ease", "content", "hybrid"]
    names = [c.name for c in default_candidates(timestamps=False)]
    assert "trending" not in names
    assert default_candidates(timestamps=False)[-1].members == ["ease", "itemknn", "als"]


def test_default_candidates_on_a_temporal_split(shop):
    rows = evaluate_models(shop, "temporal", ks=(10,), tune=False)
    assert {r["model"] for r in rows} == {
        "popularity",
        "trending",
        "itemknn",
        "als",
        "ease",
        "hybrid",
    }
