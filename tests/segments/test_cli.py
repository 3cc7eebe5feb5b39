"""``tailored segments``: recompute with progress, list, built-ins, discover."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from tailored.cli import app
from tests.fixtures.databases import SECRET
from tests.segments.conftest import track


def _shop(send):
    messages = []
    for n in range(40):
        big = n % 3 == 0
        for k in range(1 + (5 if big else 0)):
            messages.append(
                track(f"u{n}", "Product Viewed", ago=timedelta(hours=k + 1), category="kitchen")
            )
        if big:
            messages.append(track(f"u{n}", "Order Completed", revenue=300 + n))
    send(*messages)


def test_commands(engine, database_url, send, members_of, monkeypatch, tmp_path):
    _shop(send)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    runner = CliRunner()
    result = runner.invoke(app, ["segments", "install-builtins"])
    assert result.exit_code == 0, result.output
    assert "new-visitors" in result.output
    result = runner.invoke(app, ["segments", "recompute", "new-visitors"])
    assert result.exit_code == 0, result.output
    assert "new-visitors: 40 members" in result.output
    listed = json.loads(runner.invoke(app, ["segments", "list", "--json"]).output)
    sizes = {s["key"]: s["size"] for s in listed["segments"]}
    assert sizes["new-visitors"] == 40 and sizes["dormant"] == 0
    result = runner.invoke(app, ["segments", "discover", "--json", "--max-k", "3"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert sum(c["size"] for c in found["clusters"]) == 40
    descriptions = " | ".join(c["description"] for c in found["clusters"])
    assert "high revenue" in descriptions and "mostly kitchen" in descriptions
    result = runner.invoke(app, ["segments", "recompute", "nope"])
    assert result.exit_code != 0
