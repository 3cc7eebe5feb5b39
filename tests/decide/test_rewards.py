"""Rewards: stored once, before the deadline, learned by the bandit, surviving a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tailored import decide
from tailored.core import Conflict, NotFound, ValidationError, utcnow

from .conftest import WS

BANNER = {"key": "banner", "default": {"text": "Hello"}}
BANDIT = {
    "key": "offer",
    "placement": "banner",
    "allocation": "bandit",
    "bandit": {"policy": "bernoulli_thompson", "settings": {"exploration_floor": 0.01}},
    "variants": [{"key": "a"}, {"key": "b"}],
}


def _decide(run, user="u"):
    return run(user_id=user).decisions["banner"]


def test_a_reward_is_learned_and_stored(engine, configure, run):
    configure(placement=[BANNER], experience=[BANDIT])
    decision = _decide(run)
    assert decision.reason == "bandit" and 0 < decision.propensity < 1
    rewarded = decide.reward_decision(engine, WS, decision.decision_id, 1.0)
    assert rewarded.learned and rewarded.policy_version == 1
    assert rewarded.variant == decision.variant
    with engine.connect() as conn:
        state = conn.execute(sa.select(decide.bandit_states.c.version)).scalar()
    assert state == 1
    with pytest.raises(Conflict):
        decide.reward_decision(engine, WS, decision.decision_id, 1.0)
    with pytest.raises(NotFound):
        decide.reward_decision(engine, WS, "dec_nope", 1.0)
    with pytest.raises(ValidationError):
        decide.reward_decision(engine, WS, _decide(run).decision_id, 2.0)
    # A Bernoulli policy takes rewards in [0, 1]; the refused reward is not stored.
    negative = _decide(run).decision_id
    with pytest.raises(ValidationError):
        decide.reward_decision(engine, WS, negative, -0.5)
    assert decide.reward_decision(engine, WS, negative, 0.0).learned


def test_rewards_shift_traffic_and_survive_a_restart(engine, configure, run):
    configure(placement=[BANNER], experience=[BANDIT])
    for n in range(150):
        decision = _decide(run, f"p{n}")
        decide.reward_decision(
            engine, WS, decision.decision_id, 1.0 if decision.variant == "b" else 0.0
        )
    shares = [_decide(run, f"q{n}").variant for n in range(100)]
    assert shares.count("b") > 80
    # A new process (a fresh hook) reads the learned state back from the database.
    previous = decide.bandit_hook()
    decide.set_bandit_hook(decide.LocalBandits())
    try:
        policy = decide.bandit_hook().policy(
            engine, WS, "offer", decide.parse("experience", BANDIT).bandit
        )
        assert policy.updates == 150
        again = [_decide(run, f"r{n}").variant for n in range(100)]
        assert again.count("b") > 80
    finally:
        decide.set_bandit_hook(previous)


def test_deadline_and_non_bandit_decisions(engine, configure, run):
    configure(
        settings=[{"rewards": {"deadline_hours": 1, "once": False}}],
        placement=[BANNER],
        experience=[{"key": "plain", "placement": "banner", "variants": [{"key": "x"}]}],
    )
    decision = _decide(run)
    first = decide.reward_decision(engine, WS, decision.decision_id, 1.0)
    second = decide.reward_decision(engine, WS, decision.decision_id, 0.5)  # once: false
    assert not first.learned and not second.learned
    with pytest.raises(ValidationError, match="for 1 hours after"):
        decide.reward_decision(
            engine, WS, decision.decision_id, 1.0, now=utcnow() + timedelta(hours=2)
        )


def test_reward_over_http(live_server):
    admin = {"Authorization": f"Bearer {live_server.key('admin')}"}
    server = {"Authorization": f"Bearer {live_server.key('server')}"}
    client = live_server.client
    assert client.post("/v1/placements", json=BANNER, headers=admin).status_code == 201
    assert client.post("/v1/experiences", json=BANDIT, headers=admin).status_code == 201
    answer = client.post("/v1/decide", json={"userId": "h"}, headers=server).json()
    decision_id = answer["decisions"]["banner"]["decision_id"]
    path = f"/v1/decisions/{decision_id}/reward"
    ok = client.post(path, json={"value": 1}, headers=server)
    assert ok.status_code == 200 and ok.json()["learned"] is True, ok.text
    assert client.post(path, json={"value": 1}, headers=server).status_code == 409
    bad = client.post(path, json={"value": 3}, headers=server)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == "body.value"
    assert (
        client.post("/v1/decisions/dec_x/reward", json={"value": 1}, headers=server).status_code
        == 404
    )


def test_conversions_reward_bandit_decisions(engine, configure, run, send):
    configure(placement=[BANNER], experience=[BANDIT])
    clicked = _decide(run, "c1")
    send({"type": "track", "userId": "c1", "event": "Experience Clicked",
          "properties": {"decision_id": clicked.decision_id}})  # fmt: skip
    bought = _decide(run, "c2")
    send({"type": "track", "userId": "c2", "event": "Order Completed",
          "properties": {"revenue": 20}})  # fmt: skip
    send({"type": "track", "userId": "c2", "event": "Order Completed",
          "properties": {"revenue": 5}})  # fmt: skip
    with engine.connect() as conn:
        given = conn.execute(
            sa.select(decide.rewards.c.decision_id, decide.rewards.c.value, decide.rewards.c.source)
        ).all()
    assert sorted(given) == sorted(
        [(clicked.decision_id, 1.0, "conversion"), (bought.decision_id, 1.0, "conversion")]
    )
    policy = decide.bandit_hook().policy(
        engine, WS, "offer", decide.parse("experience", BANDIT).bandit
    )
    assert policy.updates == 2
    with pytest.raises(Conflict):  # the conversion already rewarded it
        decide.reward_decision(engine, WS, clicked.decision_id, 1.0)


def test_a_conversion_counts_by_when_it_happened_not_when_it_arrived(engine, configure, send):
    configure(placement=[BANNER], experience=[BANDIT])
    past = utcnow() - timedelta(days=5)
    early = decide.decide(engine, WS, decide.DecideRequest(user_id="late"), now=past)
    on_time = early.decisions["banner"].decision_id
    send({"type": "track", "userId": "late", "event": "Experience Clicked",
          "timestamp": (past + timedelta(hours=1)).isoformat(),
          "properties": {"decision_id": on_time}})  # fmt: skip
    old = decide.decide(engine, WS, decide.DecideRequest(user_id="slow"), now=past)
    send({"type": "track", "userId": "slow", "event": "Experience Clicked",
          "properties": {"decision_id": old.decisions["banner"].decision_id}})  # fmt: skip
    with engine.connect() as conn:
        given = conn.execute(sa.select(decide.rewards.c.decision_id)).scalars().all()
    assert given == [on_time]


def test_the_worker_gives_the_default_reward_after_the_deadline(engine, configure, run):
    configure(
        settings=[{"rewards": {"deadline_hours": 1, "default": 0.0}}],
        placement=[BANNER],
        experience=[BANDIT],
    )
    silent = _decide(run, "s1")
    rewarded = _decide(run, "s2")
    decide.reward_decision(engine, WS, rewarded.decision_id, 1.0)
    assert decide.default_rewards(engine) == 0  # not yet due
    later = utcnow() + timedelta(hours=2)
    assert decide.default_rewards(engine, now=later) == 1
    assert decide.default_rewards(engine, now=later) == 0  # once
    with engine.connect() as conn:
        sources = dict(
            conn.execute(sa.select(decide.rewards.c.decision_id, decide.rewards.c.source)).all()
        )
    assert sources == {silent.decision_id: "default", rewarded.decision_id: "api"}


def test_a_vowpal_wabbit_bandit_learns_and_survives_a_restart(engine, configure):
    # How well it uses the context is measured in tests/bandits (the contextual simulation).
    learner = {"policy": "vw", "features": ["score"], "settings": {"exploration_floor": 0.02}}
    vw = {**BANDIT, "key": "vw-offer", "bandit": learner}
    configure(placement=[BANNER], experience=[vw])
    for n in range(200):
        score = 1.0 + n % 2
        request = decide.DecideRequest(user_id=f"v{n}", attributes={"score": score})
        decision = decide.decide(engine, WS, request).decisions["banner"]
        assert decision.reason == "bandit" and decision.features == [score]
        decide.reward_decision(engine, WS, decision.decision_id, float(decision.variant == "b"))
    settings = decide.parse("experience", vw).bandit
    policy = decide.bandit_hook().policy(engine, WS, "vw-offer", settings)
    assert policy.updates == 200
    assert policy.probabilities([1.0], ["a", "b"])[1] > 0.6
    assert policy.probabilities([2.0], ["a", "b"])[1] > 0.6
    previous = decide.bandit_hook()
    decide.set_bandit_hook(decide.LocalBandits())
    try:
        restored = decide.bandit_hook().policy(engine, WS, "vw-offer", settings)
        assert restored.updates == 200
        assert restored.probabilities([1.0], ["a", "b"]) == pytest.approx(
            policy.probabilities([1.0], ["a", "b"])
        )
    finally:
        decide.set_bandit_hook(previous)
