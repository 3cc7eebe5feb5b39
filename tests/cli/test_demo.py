from __future__ import annotations

import re

import httpx
from typer.testing import CliRunner

from tailored.cli import app
from tailored.core import Settings
from tailored.server import create_app
from tests.fixtures.servers import serve

runner = CliRunner()


def test_demo_loads_prints_working_keys_and_examples(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAILORED_DATABASE_URL", raising=False)
    monkeypatch.delenv("TAILORED_SECRET_KEY", raising=False)
    result = runner.invoke(app, ["demo", "--no-serve", "--scale", "0.05"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tailored-demo.db").exists()
    keys = dict(re.findall(r"(write|server|admin) key\s+(tl[wsa]_\S+)", result.output))
    assert set(keys) == {"write", "server", "admin"}
    assert "/v1/track" in result.output and "/export" in result.output
    person = re.search(r"/v1/profiles/(usr_\w+)", result.output).group(1)

    # The keys work against a server on the same database and settings.
    with serve(
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'tailored-demo.db'}"))
    ) as url:
        profile = httpx.get(
            f"{url}/v1/profiles/{person}", headers={"Authorization": f"Bearer {keys['server']}"}
        )
    assert profile.status_code == 200, profile.text
    assert profile.json()["computed"]["order_count"] >= 1
    assert profile.json()["scores"]["rfm_segment"], "buyers are scored when the demo loads"
    paths = re.findall(r"'http://127\.0\.0\.1:8000(/v1/recommendations\?[^']+)'", result.output)
    assert any("strategy=for_you" in p for p in paths) and any("similar" in p for p in paths)
    with serve(
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'tailored-demo.db'}"))
    ) as url:
        recs = httpx.get(f"{url}{paths[0]}", headers={"Authorization": f"Bearer {keys['server']}"})
        # The printed decide example answers every placement of workspace.yaml, and the flags.
        body = re.search(
            r"-d '(\{\"userId\"[^']+)' http://127\.0\.0\.1:8000/v1/decide", result.output
        )
        decided = httpx.post(
            f"{url}/v1/decide",
            content=body.group(1),
            headers={
                "Authorization": f"Bearer {keys['server']}",
                "Content-Type": "application/json",
            },
        )
    assert recs.status_code == 200 and recs.json()["items"], recs.text
    assert decided.status_code == 200, decided.text
    answer = decided.json()
    assert set(answer["decisions"]) == {"home_hero", "product_cta", "home_recs", "checkout_banner"}
    assert answer["decisions"]["product_cta"]["reason"] in ("experiment", "holdout")
    assert set(answer["flags"]) == {
        "new-checkout",
        "free-shipping-threshold",
        "search-v2",
        "dark-mode",
    }
    assert answer["errors"] == []
    # The workspace ran live over the last two weeks: every report has data to show.
    assert "visits decided live" in result.output
    with serve(
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'tailored-demo.db'}"))
    ) as url:
        server = {"Authorization": f"Bearer {keys['server']}"}
        reports = [
            httpx.get(f"{url}{path}", headers=server)
            for path in re.findall(r"'http://127\.0\.0\.1:8000(/v1/\w+/[\w-]*/?results[^']*)'",
                                   result.output)
        ]  # fmt: skip
    assert len(reports) == 3 and all(r.status_code == 200 for r in reports)
    assert all(sum(r.json().get("users", {"n": r.json().get("decisions")}).values()) > 0
               for r in reports)  # fmt: skip

    again = runner.invoke(app, ["demo", "--no-serve", "--scale", "0.05"])
    assert "reusing the demo data" in again.output
    fresh = runner.invoke(app, ["demo", "--no-serve", "--scale", "0.05", "--reset"])
    assert "reusing" not in fresh.output and fresh.exit_code == 0
