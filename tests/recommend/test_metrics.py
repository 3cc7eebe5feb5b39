"""Ranking metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tailored.core import ValidationError
from tailored.recommend._interactions import Interactions
from tailored.recommend._metrics import (
    average_precision_at_k,
    catalog_coverage,
    evaluate,
    ndcg_at_k,
    popularity_bias,
    recall_at_k,
)

RANKED = ["a", "b", "c", "d"]
RELEVANT = {"b", "d", "e"}


def test_recall_divides_by_the_smaller_of_k_and_the_held_out_count():
    assert recall_at_k(RANKED, RELEVANT, 4) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, RELEVANT, 2) == pytest.approx(1 / 2)
    assert recall_at_k(RANKED, {"b"}, 4) == 1.0
    assert recall_at_k(RANKED, {"x"}, 4) == 0.0


def test_ndcg():
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RANKED, RELEVANT, 4) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(RANKED, RELEVANT, 2) == pytest.approx(
        (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    )
    assert ndcg_at_k(["b", "d", "e"], RELEVANT, 3) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, set(), 3) == 0.0


def test_average_precision():
    # hits at ranks 2 and 4: precisions 1/2 and 2/4, over min(4, 3) relevant items
    assert average_precision_at_k(RANKED, RELEVANT, 4) == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert average_precision_at_k(RANKED, RELEVANT, 2) == pytest.approx((1 / 2) / 2)
    assert average_precision_at_k(["b", "d"], {"b", "d"}, 5) == pytest.approx(1.0)


def test_a_short_list_counts_as_misses_below_its_end():
    assert recall_at_k(["b"], RELEVANT, 10) == pytest.approx(1 / 3)


def test_k_must_be_positive():
    with pytest.raises(ValidationError, match="k must be at least 1"):
        recall_at_k(RANKED, RELEVANT, 0)


def test_coverage_and_popularity_bias():
    assert catalog_coverage([["a", "b"], ["a", "c"]], 10) == pytest.approx(0.3)
    popularity = {"a": 0.6, "b": 0.2, "c": 0.1}
    assert popularity_bias([["a", "b"], ["c"]], popularity) == pytest.approx((0.4 + 0.1) / 2)


class FixedScores:
    """A model whose score of item ``i`` is ``scores[i]`` for every user."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=np.float32)

    def score_users(self, users):
        return np.tile(self.scores, (len(users), 1))


def test_evaluate_ranks_all_items_without_the_training_ones():
    users = ["u1", "u1", "u2", "u2", "u1", "u2"]
    items = ["a", "b", "c", "a", "d", "e"]
    data = Interactions.from_arrays(users, items)
    train = data.select(np.array([True, True, True, True, False, False]))
    test = data.select(np.array([False, False, False, False, True, True]))
    # a > b > c > d > e; u1 has a, b: its list is c, d, e (d at rank 2);
    # u2 has c, a: its list is b, d, e (e at rank 3)
    model = FixedScores([5, 4, 3, 2, 1])
    result = evaluate(model, train, test, ks=(1, 3))
    assert result["users"] == 2
    assert result["recall@1"] == 0.0
    assert result["recall@3"] == 1.0
    expected_ndcg = (1 / math.log2(3) + 1 / math.log2(4)) / 2
    assert result["ndcg@3"] == pytest.approx(expected_ndcg)
    assert result["map@3"] == pytest.approx((1 / 2 + 1 / 3) / 2)
    # items with a training interaction: a, b, c; the top-1 lists are c and b
    assert result["coverage@1"] == pytest.approx(2 / 3)
    # training popularity (share of users): b 1/2, c 1/2
    assert result["popularity@1"] == pytest.approx(0.5)
