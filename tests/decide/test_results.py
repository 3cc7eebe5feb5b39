"""Experiment results from the decision log and later events, checked against the stats."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import numpy as np
import pytest

from tailored import decide
from tailored.core import NotFound, ValidationError
from tailored.experiments import stats

from .conftest import WS, track

METRICS = [
    {"key": "buyers", "type": "conversion", "event": "Order Completed"},
    {"key": "orders", "type": "count", "event": "Order Completed"},
    {"key": "revenue", "type": "sum", "event": "Order Completed", "property": "revenue"},
    {"key": "aov", "type": "ratio", "numerator": "revenue", "denominator": "orders"},
    {"key": "refunds", "type": "count", "event": "Order Refunded", "guardrail": True,
     "higher_is_better": False},
]  # fmt: skip
TEST = {
    "key": "checkout",
    "variants": [{"key": "control"}, {"key": "new"}],
    "metrics": ["buyers", "revenue", "aov", "refunds", "orders"],
}
PLACEMENT = {"key": "cta", "default": {}}
EXPERIENCE = {
    "key": "cta-test", "placement": "cta", "allocation": "experiment", "experiment": "checkout",
    "variants": [{"key": "control"}, {"key": "new"}],
}  # fmt: skip


def _run_test(configure, run, send, *, lift: bool, people: int = 300):
    configure(placement=[PLACEMENT], metric=METRICS, experiment=[TEST], experience=[EXPERIENCE])
    variants = {}
    for n in range(people):
        user = f"user-{n}"
        variants[user] = run(user_id=user).decisions["cta"].variant
    messages = []
    for n, (user, variant) in enumerate(variants.items()):
        rate_bucket = n % 10
        buys = rate_bucket < (5 if (lift and variant == "new") else 2)
        if buys:
            messages.append({"type": "track", "userId": user, "event": "Order Completed",
                             "properties": {"revenue": 20.0 + n % 7}})  # fmt: skip
        if n % 25 == 0:
            messages.append({"type": "track", "userId": user, "event": "Order Refunded"})
    send(*messages)
    return variants


def test_a_real_effect_is_found_and_matches_the_stats_library(engine, configure, run, send):
    variants = _run_test(configure, run, send, lift=True)
    found = decide.experiment_results(engine, WS, "checkout")
    users = {v: list(variants.values()).count(v) for v in ("control", "new")}
    assert found["users"] == users and found["excluded_multiple_variants"] == 0
    assert found["srm"]["mismatch"] is False
    rows = {(r["metric"], r["variant"]): r for r in found["metrics"]}
    buyers_c, buyers_t = rows[("buyers", "control")], rows[("buyers", "new")]
    converted = {
        v: sum(1 for n, (u, var) in enumerate(variants.items()) if var == v
               and n % 10 < (5 if v == "new" else 2))
        for v in ("control", "new")
    }  # fmt: skip
    expected = stats.proportion_ztest(
        stats.ProportionStats(users["control"], converted["control"]),
        stats.ProportionStats(users["new"], converted["new"]),
    )
    assert buyers_t["lift"] == pytest.approx(expected.estimate, abs=1e-12)
    assert buyers_t["p_value"] == pytest.approx(expected.p_value, abs=1e-12)
    assert buyers_c["mean"] == pytest.approx(converted["control"] / users["control"])
    assert buyers_t["always_valid_p_value"] < 0.05 and buyers_t["chance_to_beat_control"] > 0.95
    assert found["recommendation"]["action"] == "ship"
    assert found["recommendation"]["variant"] == "new"
    assert rows[("aov", "new")]["lift"] is not None and "p_value_adjusted" in buyers_t
    assert buyers_t["p_value_adjusted"] >= buyers_t["p_value"]
    assert found["timeline"] and found["timeline"][-1]["users"] == users["new"]


def test_no_effect_keeps_running(engine, configure, run, send):
    _run_test(configure, run, send, lift=False)
    found = decide.experiment_results(engine, WS, "checkout")
    assert found["recommendation"]["action"] == "keep_running"


def test_cuped_uses_the_same_metric_before_exposure(engine, configure, run, send):
    configure(placement=[PLACEMENT], metric=METRICS, experiment=[TEST], experience=[EXPERIENCE])
    people = {f"user-{n}": n for n in range(240)}
    variant = {user: run(user_id=user).decisions["cta"].variant for user in people}
    messages, pre, post = [], {}, {}
    for user, n in people.items():
        habit = n % 5  # how much this person buys: before exposure and after alike
        pre[user] = habit
        post[user] = habit + (n % 3 == 0) + (variant[user] == "new")
        messages += [track(user, "Order Completed", ago=timedelta(days=2), revenue=1.0)
                     for _ in range(habit)]  # fmt: skip
        messages += [track(user, "Order Completed", revenue=1.0) for _ in range(post[user])]
    for number, message in enumerate(messages):
        message["messageId"] = f"m-{number}"
    send(*messages)
    found = decide.experiment_results(engine, WS, "checkout")
    row = next(r for r in found["metrics"] if r["metric"] == "orders" and r["variant"] == "new")
    arms = {
        v: stats.CupedStats.from_values(
            np.array([post[u] for u in people if variant[u] == v], dtype=float),
            np.array([pre[u] for u in people if variant[u] == v], dtype=float),
        )
        for v in ("control", "new")
    }
    adjusted = stats.cuped_adjust(arms["control"], arms["new"])
    expected = stats.welch_ttest(adjusted.control, adjusted.treatment)
    assert row["cuped_lift"] == pytest.approx(expected.estimate, abs=1e-9)
    assert row["cuped_p_value"] == pytest.approx(expected.p_value, abs=1e-9)
    assert row["cuped_variance_reduction"] == pytest.approx(adjusted.variance_reduction)
    assert row["cuped_variance_reduction"] > 0.5
    assert row["cuped_ci_high"] - row["cuped_ci_low"] < row["ci_high"] - row["ci_low"]
    ratio = next(r for r in found["metrics"] if r["metric"] == "aov" and r["variant"] == "new")
    assert "cuped_lift" not in ratio


def test_errors(engine, configure):
    with pytest.raises(NotFound):
        decide.experiment_results(engine, WS, "nope")
    configure(experiment=[{"key": "bare", "variants": [{"key": "a"}, {"key": "b"}]}])
    with pytest.raises(ValidationError, match="names no metrics"):
        decide.experiment_results(engine, WS, "bare")
    with pytest.raises(ValidationError):
        decide.save(engine, WS, "experiment", {**TEST, "key": "x", "metrics": ["ghost"]})
    with pytest.raises(ValidationError):
        decide.save(engine, WS, "metric", {"key": "m", "type": "sum", "event": "E"})


def test_results_over_http_with_csv(live_server):
    admin = {"Authorization": f"Bearer {live_server.key('admin')}"}
    server = {"Authorization": f"Bearer {live_server.key('server')}"}
    client = live_server.client
    for path, body in [("/v1/placements", PLACEMENT), *[("/v1/metrics", m) for m in METRICS],
                       ("/v1/experiments", TEST), ("/v1/experiences", EXPERIENCE)]:  # fmt: skip
        assert client.post(path, json=body, headers=admin).status_code == 201
    for n in range(20):
        client.post("/v1/decide", json={"userId": f"h{n}"}, headers=server).raise_for_status()
    answer = client.get("/v1/experiments/checkout/results", headers=server)
    assert answer.status_code == 200, answer.text
    assert sum(answer.json()["users"].values()) == 20
    table = client.get("/v1/experiments/checkout/results?format=csv", headers=server)
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert len(rows) == 10 and rows[0]["metric"] == "buyers"
    assert client.get("/v1/experiments/nope/results", headers=server).status_code == 404
    assert client.get("/v1/experiments/checkout/results?alpha=2", headers=server).status_code == 422


def test_holdout_report_measures_the_lift_of_personalization(engine, configure, run, send):
    configure(
        settings=[{"holdout": {"percent": 50}}],
        placement=[PLACEMENT],
        metric=METRICS,
        experience=[{"key": "all", "placement": "cta", "variants": [{"key": "v"}]}],
    )
    groups = {}
    for n in range(300):
        user = f"user-{n}"
        groups[user] = run(user_id=user).decisions["cta"].reason
    messages = []
    for n, (user, reason) in enumerate(groups.items()):
        if n % 10 < (2 if reason == "holdout" else 5):
            messages.append({"type": "track", "userId": user, "event": "Order Completed",
                             "properties": {"revenue": 10.0}})  # fmt: skip
    send(*messages)
    found = decide.holdout_results(engine, WS, ["buyers", "revenue"])
    held = sum(1 for r in groups.values() if r == "holdout")
    assert found["users"] == {"holdout": held, "personalized": 300 - held}
    assert found["srm"]["mismatch"] is False and found["holdout_percent"] == 50
    lift = next(r for r in found["metrics"] if r["metric"] == "buyers" and not r["control"])
    assert lift["variant"] == "personalized" and lift["lift"] > 0.2
    assert lift["always_valid_p_value"] < 0.05
    with pytest.raises(ValidationError):
        decide.holdout_results(engine, WS, ["ghost"])


def test_holdout_over_http(live_server):
    server = {"Authorization": f"Bearer {live_server.key('server')}"}
    admin = {"Authorization": f"Bearer {live_server.key('admin')}"}
    client = live_server.client
    assert client.post("/v1/metrics", json=METRICS[0], headers=admin).status_code == 201
    answer = client.get("/v1/holdout/results?metrics=buyers", headers=server)
    assert answer.status_code == 200, answer.text
    assert answer.json()["users"] == {"holdout": 0, "personalized": 0}
    assert client.get("/v1/holdout/results?metrics=ghost", headers=server).status_code == 422
    assert client.get("/v1/holdout/results", headers=server).status_code == 422
    table = client.get("/v1/holdout/results?metrics=buyers&format=csv", headers=server)
    assert table.status_code == 200 and table.text.startswith("metric,")
