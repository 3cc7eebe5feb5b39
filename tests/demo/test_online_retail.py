from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
import sqlalchemy as sa

from tailored import events, recommend
from tailored.core import ValidationError
from tailored.demo import convert, load_items, load_messages, read_online_retail

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def retail(data_dir):
    return read_online_retail(data_dir / "online-retail" / "online_retail.parquet")


def test_conversion_matches_the_data_set(retail):
    assert retail.rows == 541_909
    kinds = Counter(m.get("event") or m["type"] for m in retail.messages)
    assert kinds["identify"] == 4_372, "one profile per customer"
    assert kinds["Order Refunded"] > 3_000
    assert kinds["Order Completed"] > 18_536, "customer orders plus anonymous ones"
    assert len(retail.items) == 4_070
    anonymous = [m for m in retail.messages if "anonymousId" in m]
    assert anonymous and all(m["anonymousId"].startswith("invoice-") for m in anonymous)
    ids = [m["messageId"] for m in retail.messages]
    assert len(ids) == len(set(ids))


def test_an_invoice_becomes_an_order_with_line_items(retail):
    order = next(m for m in retail.messages if m.get("messageId") == "online-retail-invoice-536365")
    assert order["userId"] == "17850" and order["event"] == "Order Completed"
    assert order["timestamp"].startswith("2010-12-01T08:26:00")
    products = order["properties"]["products"]
    assert products[0] == {
        "product_id": "85123A",
        "name": "WHITE HANGING HEART T-LIGHT HOLDER",
        "price": 2.55,
        "quantity": 6,
    }
    assert order["properties"]["revenue"] == round(
        sum(p["price"] * p["quantity"] for p in products), 2
    )
    customer = next(
        m for m in retail.messages if m.get("messageId") == "online-retail-customer-17850"
    )
    assert customer["traits"] == {"country": "United Kingdom"}


def test_loading_twice_stores_nothing_twice(retail, engine):
    sample = retail.messages[:3000]
    first = load_messages(engine, 1, sample, batch=500)
    assert first.stored == 3000 and first.duplicates == 0 and not first.rejected
    again = load_messages(engine, 1, sample, batch=500)
    assert again.stored == 0 and again.duplicates == 3000
    assert load_items(engine, 1, retail.items[:200]) == 200
    assert load_items(engine, 1, retail.items[:200]) == 200
    with engine.connect() as conn:
        assert events.count_events(conn, 1) == 3000
        assert recommend.count_items(conn, 1) == 200
        stored = (
            conn.execute(
                sa.select(events.events).where(events.events.c.message_id == sample[0]["messageId"])
            )
            .mappings()
            .one()
        )
    assert stored["timestamp"].tzinfo is not None
    assert stored["type"] == sample[0]["type"]


def test_not_the_data_set(tmp_path):
    with pytest.raises(ValidationError, match="no such file"):
        read_online_retail(tmp_path / "missing.parquet")
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    with pytest.raises(ValidationError, match="not a readable Parquet file"):
        read_online_retail(junk)
    import pyarrow as pa
    import pyarrow.parquet as pq

    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1]}), other)
    with pytest.raises(ValidationError, match="missing columns InvoiceNo"):
        read_online_retail(other)


def test_sales_lines_without_quantity_are_left_out_and_counted():
    columns = {
        "InvoiceNo": ["1", "1", "2", "C3"],
        "StockCode": ["A", "B", "A", "A"],
        "Description": ["a", "b", "a", "a"],
        "Quantity": [2, -1, -5, -1],
        "InvoiceDate": [datetime(2011, 1, 1, 10)] * 4,
        "UnitPrice": [1.5, 2.0, 1.5, 1.5],
        "CustomerID": [10.0, 10.0, float("nan"), 10.0],
        "Country": ["France"] * 4,
    }
    data = convert(columns)
    orders = [m for m in data.messages if m["type"] == "track"]
    assert [m["event"] for m in orders] == ["Order Completed", "Order Refunded"]
    assert orders[0]["properties"]["revenue"] == 3.0
    assert data.skipped["non-positive quantity on a sale (stock adjustment)"] == 2
    assert data.skipped["invoice with no sold line"] == 1
    assert [i.item_id for i in data.items] == ["A", "B"]
    assert data.items[1].price is None, "no positive sale, no price"
