"""The interactions container and the file reader."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tailored.core import ValidationError
from tailored.recommend._files import read_interactions
from tailored.recommend._interactions import Interactions, SignalConfig

ROWS = [
    {"user_id": "ann", "item_id": "tea", "event": "Product Viewed", "ts": 0},
    {"user_id": "ann", "item_id": "tea", "event": "Order Completed", "ts": 86_400},
    {"user_id": "bob", "item_id": "cup", "event": "Product Added", "ts": 2 * 86_400},
    {"user_id": "bob", "item_id": "tea", "event": "Something Else", "ts": 2 * 86_400},
]


def test_event_types_become_weights_and_pairs_are_summed():
    data = Interactions.from_rows(ROWS, time="ts", event="event")
    assert data.users == ("ann", "bob")
    assert data.items == ("tea", "cup")
    assert data.matrix.toarray().tolist() == [[6.0, 0.0], [1.0, 3.0]]
    assert data.binary.toarray().tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert data.history("bob") == ["tea", "cup"]
    assert data.history("nobody") == []


def test_aggregation_and_time_decay():
    weights = SignalConfig(aggregate="max")
    data = Interactions.from_rows(ROWS, time="ts", event="event", signal=weights)
    assert data.matrix.toarray()[0].tolist() == [5.0, 0.0]
    decayed = data.with_signal(SignalConfig(half_life_days=1.0))
    # ann's view is 2 days old (1/4), her order 1 day (5/2): 0.25 + 2.5
    assert decayed.matrix.toarray()[0, 0] == pytest.approx(2.75)
    assert decayed.matrix.toarray()[1].tolist() == pytest.approx([1.0, 3.0])


def test_decay_needs_timestamps():
    with pytest.raises(ValidationError, match="needs timestamps"):
        Interactions.from_rows(ROWS, signal=SignalConfig(half_life_days=7))


def test_explicit_weights_multiply_the_event_weight():
    data = Interactions.from_arrays(["a", "a"], ["x", "y"], weights=[2.0, 0.5])
    assert data.matrix.toarray().tolist() == [[2.0, 0.5]]


def test_datetimes_become_epoch_seconds():
    data = Interactions.from_arrays(["a"], ["x"], times=[datetime(2024, 1, 1, tzinfo=UTC)])
    assert data.times is not None
    assert data.times.tolist() == [1_704_067_200]


def test_select_keeps_ids_and_columns():
    data = Interactions.from_rows(ROWS)
    part = data.select(np.array([False, False, True, False]))
    assert part.items == data.items
    assert part.shape == data.shape
    assert part.matrix.toarray().tolist() == [[0.0, 0.0], [0.0, 1.0]]


def test_from_table_with_float_ids_and_timestamps():
    table = pa.table(
        {
            "CustomerID": [17850.0, None, 13047.0],
            "StockCode": ["85123A", "71053", "85123A"],
            "InvoiceDate": pa.array([datetime(2010, 12, 1, 8, 26)] * 3, type=pa.timestamp("us")),
        }
    )
    data = Interactions.from_table(table, user="CustomerID", item="StockCode", time="InvoiceDate")
    assert data.users == ("17850", "13047")
    assert data.items == ("85123A",)
    assert data.times is not None
    assert data.times.tolist() == [1_291_191_960] * 2


def test_from_table_names_missing_columns():
    with pytest.raises(ValidationError, match="no column 'user'"):
        Interactions.from_table(pa.table({"a": [1]}), user="user", item="a")


@pytest.mark.parametrize("suffix, sep", [(".csv", ","), (".tsv", "\t")])
def test_read_delimited_files_with_a_header(tmp_path, suffix, sep):
    path = tmp_path / f"events{suffix}"
    lines = [
        "who,what,when,how_much",
        "u1,007,2024-01-01T00:00:00,2",
        "u2,008,2024-01-02T00:00:00,1",
    ]
    path.write_text("\n".join(line.replace(",", sep) for line in lines) + "\n")
    data = read_interactions(path, user="who", item="what", time="when", weight="how_much")
    assert data.users == ("u1", "u2")
    assert data.items == ("007", "008")
    assert data.times is not None
    assert data.times[1] - data.times[0] == 86_400
    assert data.matrix.sum() == 3.0


def test_read_whitespace_file_by_column_numbers(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("196\t242\t3\t881250949\n186  302 3 891717742\n196\t302\t5\t881251000\n")
    data = read_interactions(path, user=0, item=1, weight=2, time=3)
    assert data.users == ("196", "186")
    assert data.items == ("242", "302")
    assert data.matrix.toarray().tolist() == [[3.0, 5.0], [0.0, 3.0]]
    assert data.times is not None
    assert data.times.tolist() == [881250949, 891717742, 881251000]


def test_read_parquet(tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"user_id": ["a", "b"], "item_id": ["x", "x"]}), path)
    data = read_interactions(path)
    assert data.shape == (2, 1)


def test_read_reports_bad_input(tmp_path):
    with pytest.raises(ValidationError, match="no interactions file"):
        read_interactions(tmp_path / "missing.csv")
    path = tmp_path / "ragged.txt"
    path.write_text("1 2 3\n4 5\n")
    with pytest.raises(ValidationError, match="different numbers of columns"):
        read_interactions(path, user=0, item=1)
    path.write_text("1 2\n")
    with pytest.raises(ValidationError, match="no column number 5"):
        read_interactions(path, user=0, item=5)


def test_read_csv_without_header_by_column_numbers(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("x,0042,u9\ny,0042,u8\n")
    data = read_interactions(path, user=2, item=1)
    assert data.users == ("u9", "u8")
    assert data.items == ("0042",)


def test_strengths_give_the_history_to_fold_in():
    data = Interactions.from_rows(ROWS, time="ts", event="event")
    assert data.strengths("bob") == {"tea": 1.0, "cup": 3.0}
    assert data.strengths("nobody") == {}


def test_lengths_must_agree():
    with pytest.raises(ValidationError, match="2 events but 1 weights"):
        Interactions.from_arrays(["a", "b"], ["x", "y"], weights=[1.0])
    with pytest.raises(ValidationError, match="2 users but 1 items"):
        Interactions.from_arrays(["a", "b"], ["x"])
