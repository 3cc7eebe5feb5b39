"""The models on the shared UCI Online Retail data (skips, or fails in CI, where it is absent)."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tailored.recommend._interactions import Interactions, SignalConfig
from tailored.recommend._itemknn import ItemKNN
from tailored.recommend._metrics import evaluate
from tailored.recommend._popularity import Popularity
from tailored.recommend._split import random_split

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def purchases(data_dir):
    path = data_dir / "online-retail" / "online_retail.parquet"
    if not path.is_file():
        from tests.conftest import missing

        missing(f"shared file {path}", kind="shared")
    table = pq.read_table(path)
    keep = pc.and_(
        pc.and_(
            pc.invert(pc.starts_with(table["InvoiceNo"], "C")), pc.is_valid(table["CustomerID"])
        ),
        pc.greater(table["Quantity"], 0),
    )
    return Interactions.from_table(
        table.filter(keep),
        user="CustomerID",
        item="StockCode",
        time="InvoiceDate",
        signal=SignalConfig(aggregate="binary"),
    )


def test_the_purchases_match_the_data_readme(purchases):
    assert purchases.n_events == 397_924
    assert purchases.shape == (4_339, 3_665)
    assert purchases.matrix.nnz == 266_802


def test_item_knn_beats_popularity_fourfold(purchases):
    held_out = random_split(purchases, fraction=0.2, min_items=5, seed=42)
    baseline = evaluate(Popularity().fit(held_out.train), held_out.train, held_out.test, (20,))
    knn = evaluate(ItemKNN().fit(held_out.train), held_out.train, held_out.test, (20,))
    assert 0.05 < baseline["ndcg@20"] < 0.07
    assert knn["ndcg@20"] > 4 * baseline["ndcg@20"]
    assert knn["users"] == baseline["users"] > 4_000
