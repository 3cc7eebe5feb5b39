"""Experiment results read from the logs exactly as the metrics define them, on both backends.

The logs are written directly, so each case is precise: which property values are numbers,
who was exposed in two variants or an unknown one, whose events come before or after.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tailored import decide, storage
from tailored.decide import _results_data
from tailored.events import events

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=3)

#: Summed properties: plain, non-ASCII, and names a JSON path would misread (dot, quote,
#: backslash).
PROPERTIES = ["revenue", "prix €", "a.b", 'say "hi"', "back\\slash"]
#: Values of those properties: only JSON numbers count (booleans and numeric strings not).
VALUES = [3, 2.5, 0.1 + 0.2, True, "12", None, {"revenue": 1}, -4, 2**60, 1e-7, [5], False]

METRICS = [
    {"key": "buyers", "type": "conversion", "event": "Order Completed"},
    {"key": "orders", "type": "count", "event": "Order Completed"},
    {"key": "refunds", "type": "count", "event": "Order Refunded"},
    {"key": "back", "type": "retention", "after_hours": 2},  # any event, 2 h on or later
    *[
        {"key": f"sum{n}", "type": "sum", "event": "Order Completed", "property": prop}
        for n, prop in enumerate(PROPERTIES)
    ],
]


def _number(value):
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def _decision(n, profile, variant, at):
    return {
        "id": f"dec_{n:06d}", "workspace_id": 1, "profile_id": profile, "message_id": f"d{n}",
        "experiment": "exp", "variant": variant, "reason": "experiment", "propensity": 0.5,
        "decided_at": at,
    }  # fmt: skip


def _event(n, profile, name, at, properties):
    return {
        "workspace_id": 1, "message_id": f"e{n}", "type": "track", "event": name,
        "user_id": None, "anonymous_id": profile, "timestamp": at, "received_at": at,
        "properties": properties, "traits": None, "context": None, "extra": None,
        "profile_id": profile,
    }  # fmt: skip


def _write(engine, prefix):
    """The logs, and per kept person their variant and their value of each metric."""
    decisions, evs, expected = [], [], {}
    people = [f"{prefix}{n}" for n in range(40)]
    for n, person in enumerate(people):
        variant = "ab"[n % 2]
        first = START + timedelta(minutes=n)
        decisions.append(_decision(len(decisions), person, variant, first))
        if n % 5 == 0:  # seen again later, in the same variant: still one person
            decisions.append(_decision(len(decisions), person, variant, first + timedelta(days=1)))
        values = dict.fromkeys(["buyers", "orders", "refunds", "back"], 0.0)
        values |= {f"sum{k}": 0.0 for k in range(len(PROPERTIES))}
        for k in range(n % 3):  # 0, 1 or 2 orders
            props = {p: VALUES[(n + k + i) % len(VALUES)] for i, p in enumerate(PROPERTIES)}
            if n % 7 == 0:
                del props["revenue"]
            at = first + timedelta(hours=1 + k)
            evs.append(_event(len(evs), person, "Order Completed", at, props))
            values["orders"] += 1
            values["buyers"] = 1.0
            values["back"] = max(values["back"], float(k >= 1))
            for i, prop in enumerate(PROPERTIES):
                values[f"sum{i}"] += _number(props.get(prop))
        if n % 4 == 0:
            evs.append(_event(len(evs), person, "Order Refunded", first + timedelta(hours=5), {}))
            values["refunds"] += 1
            values["back"] = 1.0
        if n % 6 == 1:  # an event no metric names: only retention on any event sees it
            evs.append(_event(len(evs), person, "Page Seen", first + timedelta(hours=30), {}))
            values["back"] = 1.0
        # Before the first exposure, and after now: never in the post-exposure metrics.
        evs.append(_event(len(evs), person, "Order Completed", first - timedelta(hours=2), {}))
        evs.append(_event(len(evs), person, "Order Completed", NOW + timedelta(hours=1), {}))
        expected[person] = (variant, values)
    for person, variants in [("both", "ab"), ("ghost", "z"), ("outsider", "")]:
        for variant in variants:  # exposed in two variants, in an unknown one, or never
            decisions.append(_decision(len(decisions), prefix + person, variant, START))
        at = START + timedelta(hours=1)
        evs.append(_event(len(evs), prefix + person, "Order Completed", at, {"revenue": 1000}))
    # Exposed only after now: not in the results at all.
    decisions.append(_decision(len(decisions), prefix + "late", "a", NOW + timedelta(hours=1)))
    with storage.write_transaction(engine) as conn:
        conn.execute(decide.decisions.insert(), decisions)
        decide.record_first_exposures(conn, decisions)
        conn.execute(events.insert(), evs)
    return expected


@pytest.mark.parametrize(
    ("prefix", "filter_limit"),
    [
        pytest.param("user-", 0, id="memory-filter"),
        # An id holding the packing separator is read row by row.
        pytest.param("user\x1f", _results_data.SQL_FILTER_MAX_PEOPLE, id="database-filter"),
    ],
)
def test_metrics_read_only_numbers_of_people_in_one_variant(engine, monkeypatch, prefix,
                                                            filter_limit):  # fmt: skip
    monkeypatch.setattr(_results_data, "SQL_FILTER_MAX_PEOPLE", filter_limit)
    decide.save_many(
        engine,
        1,
        [decide.parse("metric", m) for m in METRICS]
        + [
            decide.parse(
                "experiment",
                {
                    "key": "exp",
                    "variants": [{"key": "a"}, {"key": "b"}],
                    "metrics": [m["key"] for m in METRICS],
                },
            )
        ],
    )
    expected = _write(engine, prefix)
    found = decide.experiment_results(engine, 1, "exp", now=NOW)
    members = {v: [vals for var, vals in expected.values() if var == v] for v in "ab"}
    assert found["users"] == {"a": 20, "b": 20}
    assert found["excluded_multiple_variants"] == 2
    rows = {(r["metric"], r["variant"]): r for r in found["metrics"]}
    for metric in METRICS:
        for variant, people in members.items():
            mean = sum(p[metric["key"]] for p in people) / len(people)
            assert rows[(metric["key"], variant)]["mean"] == pytest.approx(mean, rel=1e-12)
    # The non-number values do not count; the numbers do, all of them.
    assert rows[("sum2", "a")]["mean"] != rows[("sum2", "b")]["mean"]
    assert found["timeline"][-1]["users"] == 20


def test_a_person_seen_twice_counts_once_in_any_variant(engine):
    decide.save_many(
        engine,
        1,
        [
            decide.parse("metric", METRICS[0]),
            decide.parse(
                "experiment",
                {"key": "exp", "variants": [{"key": k} for k in "abcdef"], "metrics": ["buyers"]},
            ),
        ],
    )
    seen = [("one", "f", START), ("one", "f", START + timedelta(hours=1)), ("two", "a", START)]
    logged = [_decision(n, person, variant, at) for n, (person, variant, at) in enumerate(seen)]
    with storage.write_transaction(engine) as conn:
        conn.execute(decide.decisions.insert(), logged)
        decide.record_first_exposures(conn, logged)
        conn.execute(
            events.insert(),
            [_event(0, "one", "Order Completed", START + timedelta(minutes=30), {})],
        )
    found = decide.experiment_results(engine, 1, "exp", now=NOW)
    assert found["users"] == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0, "f": 1}
    assert found["excluded_multiple_variants"] == 0
    buyers = {r["variant"]: r["mean"] for r in found["metrics"]}
    assert buyers["f"] == 1.0 and buyers["a"] == 0.0
