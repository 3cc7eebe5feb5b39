"""The bandit report: allocation over time, reward per arm with intervals, regret."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from scipy import stats as scipy_stats

from tailored import decide
from tailored.core import NotFound, ValidationError, utcnow

from .conftest import WS

BANNER = {"key": "banner", "default": {"text": "Hello"}}
BANDIT = {
    "key": "offer",
    "placement": "banner",
    "allocation": "bandit",
    "bandit": {"policy": "bernoulli_thompson", "settings": {"exploration_floor": 0.05}},
    "variants": [{"key": "a"}, {"key": "b"}, {"key": "c"}],
}
#: Rewards per arm cycle through these: means 0.2, 0.5 and 0.8.
PATTERN = {"a": [1, 0, 0, 0, 0], "b": [1, 0, 1, 0, 1, 0], "c": [1, 1, 1, 1, 0]}


def _learn(engine, run, people=200):
    """Decide and reward ``people`` times; the rewards each arm got."""
    got: dict[str, list[float]] = {arm: [] for arm in PATTERN}
    chosen = []
    for n in range(people):
        decision = run(user_id=f"p{n}").decisions["banner"]
        chosen.append(decision.variant)
        if n % 7 == 6:
            continue  # no reward (yet)
        pattern = PATTERN[decision.variant]
        value = float(pattern[len(got[decision.variant]) % len(pattern)])
        decide.reward_decision(engine, WS, decision.decision_id, value)
        got[decision.variant].append(value)
    return got, chosen


def test_the_report_matches_the_log(engine, configure, run):
    configure(placement=[BANNER], experience=[BANDIT])
    got, chosen = _learn(engine, run)
    found = decide.bandit_results(engine, WS, "offer", alpha=0.1)
    assert found["policy"] == "bernoulli_thompson"
    assert found["policy_version"] == sum(len(v) for v in got.values())
    assert found["decisions"] == len(chosen) and found["rewarded"] == found["policy_version"]
    arms = {row["arm"]: row for row in found["arms"]}
    assert list(arms) == ["a", "b", "c"]
    for arm, values in got.items():
        row = arms[arm]
        assert row["decisions"] == chosen.count(arm)
        assert row["share"] == pytest.approx(chosen.count(arm) / len(chosen))
        assert row["rewards"] == len(values)
        if len(values) >= 2:
            sample = np.array(values)
            low, high = scipy_stats.t.interval(
                0.9, len(sample) - 1, loc=sample.mean(), scale=scipy_stats.sem(sample)
            )
            assert row["mean_reward"] == pytest.approx(sample.mean(), abs=1e-12)
            assert row["ci_low"] == pytest.approx(low, abs=1e-9)
            assert row["ci_high"] == pytest.approx(high, abs=1e-9)
    means = {arm: float(np.mean(v)) for arm, v in got.items() if v}
    best = max(means, key=means.__getitem__)
    regret = sum(chosen.count(arm) * (means[best] - mean) for arm, mean in means.items())
    uniform = len(chosen) * np.mean([means[best] - mean for mean in means.values()])
    assert found["regret"]["best_arm"] == best == "c"
    assert found["regret"]["estimated"] == pytest.approx(regret)
    assert found["regret"]["uniform"] == pytest.approx(uniform)
    # The policy learned: it lost less than a uniform split of the same traffic.
    assert found["regret"]["saved_vs_uniform"] > 0
    (today,) = found["timeline"]
    assert today["date"] == utcnow().date().isoformat()
    assert today["decisions"] == len(chosen)
    assert sum(today["allocation"].values()) == pytest.approx(1.0)
    assert today["cumulative_regret"] == pytest.approx(regret)
    assert all(0 < p <= 1 for p in today["propensity"].values())


def test_a_bandit_with_no_decisions_and_errors(engine, configure):
    configure(placement=[BANNER], experience=[BANDIT])
    found = decide.bandit_results(engine, WS, "offer")
    assert found["decisions"] == 0 and found["regret"] is None and found["timeline"] == []
    assert [row["share"] for row in found["arms"]] == [None, None, None]
    with pytest.raises(NotFound):
        decide.bandit_results(engine, WS, "nope")
    configure(experience=[{"key": "plain", "placement": "banner", "variants": [{"key": "v"}]}])
    with pytest.raises(ValidationError, match="not 'bandit'"):
        decide.bandit_results(engine, WS, "plain")


def test_the_timeline_has_a_point_per_day(engine, configure, run):
    configure(placement=[BANNER], experience=[BANDIT])
    _learn(engine, run, people=20)
    found = decide.bandit_results(engine, WS, "offer", now=utcnow() + timedelta(days=3))
    assert len(found["timeline"]) == 1  # days without decisions are left out
    assert (
        decide.bandit_results(engine, WS, "offer", now=utcnow() - timedelta(days=1))["decisions"]
        == 0
    )


def test_the_report_over_http(live_server):
    admin = {"Authorization": f"Bearer {live_server.key('admin')}"}
    server = {"Authorization": f"Bearer {live_server.key('server')}"}
    client = live_server.client
    assert client.post("/v1/placements", json=BANNER, headers=admin).status_code == 201
    assert client.post("/v1/experiences", json=BANDIT, headers=admin).status_code == 201
    for n in range(10):
        answer = client.post("/v1/decide", json={"userId": f"h{n}"}, headers=server).json()
        decision_id = answer["decisions"]["banner"]["decision_id"]
        reward = {"value": 1.0 if n % 2 else 0.0}
        client.post(f"/v1/decisions/{decision_id}/reward", json=reward, headers=server)
    answer = client.get("/v1/bandits/offer/results?days=7", headers=server)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decisions"] == 10 and answer.json()["rewarded"] == 10
    assert client.get("/v1/bandits/nope/results", headers=server).status_code == 404
    bad = client.get("/v1/bandits/offer/results?days=0", headers=server)
    assert bad.status_code == 422 and "days" in bad.text
