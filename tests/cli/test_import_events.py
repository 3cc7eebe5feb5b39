from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tailored import events, profiles, storage
from tailored.cli import app
from tailored.core import ValidationError
from tests.fixtures.databases import SECRET, make_settings

runner = CliRunner()


@pytest.fixture
def env(database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    return database_url


def _rows(url):
    engine = storage.create_engine(make_settings(url))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(events.events)).mappings()]
    engine.dispose()
    return rows


def test_jsonl_with_rejections_and_idempotent_reimport(env, tmp_path):
    path = tmp_path / "e.jsonl"
    lines = [
        {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"revenue": 9}},
        {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}},
        {"type": "track", "userId": "undefined", "event": "x"},
    ]
    path.write_text("\n".join(json.dumps(m) for m in lines) + "\n{not json\n\n")
    first = runner.invoke(app, ["import", "events", str(path)])
    assert first.exit_code == 0, first.output
    assert "stored 2" in first.output and "2 rejected" in first.output
    assert "line 3: userId" in first.output and "line 4: malformed JSON" in first.output
    again = runner.invoke(app, ["import", "events", str(path)])
    assert "stored 0, 2 already there" in again.output
    assert len(_rows(env)) == 2
    engine = storage.create_engine(make_settings(env))
    with engine.connect() as conn:
        pid = profiles.find_profile(conn, 1, "u1")
        state = profiles.load_states(conn, {pid})[pid]
    engine.dispose()
    assert state["orders"] == 1 and state["traits"]["plan"][0] == "pro", "profiles updated"


def test_csv_with_dotted_columns(env, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "type,userId,event,timestamp,properties.revenue,properties.sku,context.page.url,traits\n"
        "track,u2,Order Completed,2024-05-01T10:00:00Z,12.5,A-1,https://x.io/c,\n"
        'identify,u2,,2024-05-01T09:00:00Z,,,,"{""plan"": ""free""}"\n'
    )
    result = runner.invoke(app, ["import", "events", str(path)])
    assert "stored 2" in result.output, result.output
    track = next(r for r in _rows(env) if r["type"] == "track")
    assert track["properties"] == {"revenue": 12.5, "sku": "A-1"}
    assert track["context"]["page"] == {"url": "https://x.io/c"}
    identify = next(r for r in _rows(env) if r["type"] == "identify")
    assert identify["traits"] == {"plan": "free"}


def test_parquet(env, tmp_path):
    path = tmp_path / "e.parquet"
    table = pa.table(
        {
            "type": ["track", "track"],
            "anonymousId": ["a1", "a2"],
            "event": ["Product Viewed", "Product Viewed"],
            "properties": [{"sku": "X", "price": 3.0}, {"sku": "Y", "price": 4.0}],
        }
    )
    pq.write_table(table, path)
    result = runner.invoke(app, ["import", "events", str(path)])
    assert "stored 2" in result.output, result.output
    assert {r["properties"]["sku"] for r in _rows(env)} == {"X", "Y"}


def test_format_errors(env, tmp_path):
    odd = tmp_path / "e.txt"
    odd.write_text("{}")
    result = runner.invoke(app, ["import", "events", str(odd)])
    assert isinstance(result.exception, ValidationError) and "--format" in str(result.exception)
    assert isinstance(
        runner.invoke(app, ["import", "events", str(odd), "--format", "xml"]).exception,
        ValidationError,
    )
    ok = runner.invoke(app, ["import", "events", str(odd), "--format", "jsonl"])
    assert "1 rejected" in ok.output
