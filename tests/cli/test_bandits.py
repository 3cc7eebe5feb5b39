"""``tailored bandits simulate`` and ``tailored bandits evaluate``."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from tailored import decide
from tailored.cli import app
from tests.fixtures.databases import SECRET

runner = CliRunner()


def _lines(output):
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_simulate_prints_every_policy_in_every_environment():
    result = runner.invoke(app, ["bandits", "simulate", "--rounds", "1000", "--json"])
    assert result.exit_code == 0, result.output
    rows = _lines(result.output)
    assert {r["environment"] for r in rows} == {"stationary", "drifting", "contextual"}
    assert len(rows) == 27 and all(r["rounds"] == 1000 for r in rows)
    assert all(r["regret_vs_uniform"] == 1.0 for r in rows if r["policy"] == "uniform")


def test_simulate_plots_the_regret_curves(tmp_path):
    svg = tmp_path / "regret.svg"
    result = runner.invoke(app, ["bandits", "simulate", "--rounds", "500", "--plot", str(svg)])
    assert result.exit_code == 0, result.output
    root = ElementTree.fromstring(svg.read_text())
    lines = root.findall("{http://www.w3.org/2000/svg}polyline")
    # Per environment an axis and one curve per policy, each starting at the origin.
    assert len(lines) == 3 * (1 + 9)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"stationary", "drifting", "contextual", "vw", "uniform"} <= texts


def test_evaluate_on_the_open_bandit_dataset(data_dir):
    obd = data_dir / "obd"
    result = runner.invoke(
        app, ["bandits", "evaluate", "--obd", str(obd), "--campaign", "men", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = _lines(result.output)
    ips = next(r for r in rows if r["estimator"] == "ips")
    assert ips["campaign"] == "men" and ips["lower"] < ips["value"] < ips["upper"]
    assert {r["estimator"] for r in rows} == {"ips", "snips", "dm", "dr", "logged"}


@pytest.fixture
def env(engine, database_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TAILORED_DATABASE_URL", database_url)
    monkeypatch.setenv("TAILORED_SECRET_KEY", SECRET)
    return engine


def test_evaluate_a_target_policy_on_an_experience_log(env):
    engine = env
    decide.save(engine, 1, "placement", {"key": "banner"})
    decide.save(engine, 1, "experience", {
        "key": "offer", "placement": "banner", "allocation": "bandit",
        "bandit": {"policy": "uniform"}, "variants": [{"key": "a"}, {"key": "b"}]})  # fmt: skip
    for n in range(60):
        decision = decide.decide(engine, 1, decide.DecideRequest(user_id=f"u{n}"))
        made = decision.decisions["banner"]
        decide.reward_decision(engine, 1, made.decision_id, 1.0 if made.variant == "b" else 0.0)
    result = runner.invoke(
        app, ["bandits", "evaluate", "--experience", "offer", "--target", "arm:b", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["estimator"]: r for r in _lines(result.output)}
    assert rows["snips"]["value"] == pytest.approx(1.0)
    assert 0.2 < rows["logged"]["value"] < 0.8
    missing = runner.invoke(app, ["bandits", "evaluate", "--experience", "nope"])
    assert missing.exit_code != 0
    both = runner.invoke(app, ["bandits", "evaluate"])
    assert both.exit_code != 0
