"""``tailored train``, ``tailored recommend ...`` and ``tailored import items``."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tailored import storage
from tailored.cli import app
from tailored.recommend import get_item, list_versions
from tests.fixtures.databases import SECRET, make_settings
from tests.recommend import twotastes as shop

runner = CliRunner()


@pytest.fixture
def env(database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    engine = storage.create_engine(make_settings(database_url))
    yield engine
    engine.dispose()


def test_train_versions_and_rollback(env, tmp_path):
    shop.build(env)
    config = tmp_path / "train.json"
    config.write_text(json.dumps({"als": {"factors": 8}, "keep_versions": 3}))
    first = runner.invoke(app, ["train", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert "model version 1: 30 people, 20 items" in first.output
    assert "holdout NDCG@20" in first.output
    second = runner.invoke(app, ["train", "--config", str(config), "--json"])
    assert json.loads(second.output.strip().splitlines()[-1])["version"] == 2
    listed = json.loads(runner.invoke(app, ["recommend", "versions", "--json"]).output)
    assert [m["version"] for m in listed["models"]] == [2, 1]
    back = runner.invoke(app, ["recommend", "rollback"])
    assert "serving model version 1" in back.output
    with env.connect() as conn:
        assert [v.active for v in list_versions(conn, 1)] == [False, True]
    refused = runner.invoke(app, ["recommend", "rollback"])
    assert refused.exit_code != 0


def test_train_refuses_an_empty_log(env):
    result = runner.invoke(app, ["train"])
    assert result.exit_code != 0


def _movielens_like(path, seed=0):
    rng = np.random.default_rng(seed)
    lines = []
    for user in range(60):
        group = user % 2
        for n, item in enumerate(rng.choice(20, size=8, replace=False)):
            lines.append(f"{user}\t{group * 20 + item}\t{rng.integers(1, 6)}\t{1000 + user + n}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("protocol", ["random", "temporal", "leave-last-out"])
def test_evaluate_json_lines(tmp_path, monkeypatch, protocol):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "u.data"
    _movielens_like(data)
    args = ["recommend", "evaluate", "--data", str(data), "--user-col", "0", "--item-col", "1",
            "--time-col", "3", "--weight-col", "2", "--protocol", protocol, "--k", "5,10",
            "--models", "itemknn,ease", "--no-tune", "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [r["model"] for r in rows] == ["popularity", "itemknn", "ease"]
    assert all(r["protocol"] == protocol and 0 <= r["ndcg@10"] <= 1 for r in rows)
    assert rows[2]["ndcg@10"] > rows[0]["ndcg@10"], "two tastes: EASE beats popularity"


def test_evaluate_table_and_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "u.data"
    _movielens_like(data)
    table = runner.invoke(app, ["recommend", "evaluate", "--data", str(data), "--user-col", "0",
                                "--item-col", "1", "--models", "ease", "--no-tune"])  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "popularity" in table.output and "ease" in table.output
    bad = runner.invoke(app, ["recommend", "evaluate", "--data", str(data), "--protocol", "x"])
    assert bad.exit_code != 0


def test_import_items_from_csv_jsonl_and_parquet(env, tmp_path):
    csv_file = tmp_path / "items.csv"
    csv_file.write_text(
        "item_id,title,categories,price,in_stock,colour\n"
        "a1,Mug,Home|Kitchen,4.5,false,red\n"
        "a2,,Home,1,true,\n"
    )
    result = runner.invoke(app, ["import", "items", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "stored 1 items, refused 1" in result.output and "line 3: title" in result.output
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(json.dumps({"item_id": "b1", "title": "Spade", "tags": ["x"]}) + "\n{oops\n")
    assert "stored 1 items, refused 1" in runner.invoke(app, ["import", "items", str(jsonl)]).output
    table = pa.table({"item_id": ["c1"], "title": ["Rake"], "categories": [["Garden"]]})
    pq.write_table(table, tmp_path / "items.parquet")
    assert (
        "stored 1"
        in runner.invoke(app, ["import", "items", str(tmp_path / "items.parquet")]).output
    )
    with env.connect() as conn:
        mug, spade, rake = (get_item(conn, 1, i) for i in ("a1", "b1", "c1"))
    assert mug["categories"] == ["Home", "Kitchen"] and mug["in_stock"] is False
    assert mug["price"] == 4.5 and mug["properties"] == {"colour": "red"}
    assert spade["tags"] == ["x"] and rake["categories"] == ["Garden"]
