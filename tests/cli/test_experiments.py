"""``tailored experiments simulate`` and ``tailored experiments size``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tailored.cli import app
from tailored.experiments import stats

runner = CliRunner()


def test_size_for_a_conversion_rate_and_the_detectable_effect():
    result = runner.invoke(
        app, ["experiments", "size", "--baseline", "0.1", "--effect", "0.01", "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["control"], answer["total"]) == (14751, 29502)  # as the library's doctest
    mde = json.loads(
        runner.invoke(
            app, ["experiments", "size", "--baseline", "0.1", "--users", "14751", "--json"]
        ).output
    )
    assert mde["mde"] == pytest.approx(0.01, rel=0.01)
    mean = json.loads(
        runner.invoke(app, ["experiments", "size", "--std", "30", "--effect", "2", "--json"]).output
    )
    assert mean["control"] == stats.sample_size_mean(30, 2).control
    text = runner.invoke(app, ["experiments", "size", "--baseline", "0.04", "--effect", "0.1",
                               "--relative"])  # fmt: skip
    assert "users in control" in text.output


@pytest.mark.parametrize(
    "args",
    [
        ["--baseline", "0.1"],
        ["--effect", "0.1"],
        ["--baseline", "0.1", "--std", "3", "--effect", "1"],
        ["--baseline", "1.5", "--effect", "0.1"],
        ["--std", "3", "--effect", "0.1", "--relative"],
    ],
)
def test_size_refuses_what_it_cannot_answer(args):
    result = runner.invoke(app, ["experiments", "size", *args])
    assert result.exit_code != 0


def test_simulate_prints_one_line_per_scenario_and_method():
    result = runner.invoke(
        app, ["experiments", "simulate", "--scenario", "aa_peeking", "--sims", "100", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["method"] for r in rows] == [
        "sequential", "fixed_horizon_peeking", "fixed_horizon_final"]  # fmt: skip
    assert all(r["scenario"] == "aa_peeking" and r["sims"] == 100 for r in rows)
