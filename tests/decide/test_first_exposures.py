"""First exposures kept as decisions are logged give the same results as the decision log.

``first_exposures`` holds, per experiment and person, the variant and time of the first
exposure and the earliest one in another variant. Whatever the order and grouping in which
exposures are logged, and when the migration fills it from an existing log, it must hold
what the log says; results read from it must equal results read from the log; merges,
export and erasure must treat it as they treat the log.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailored import decide, privacy, storage
from tailored.decide import _exposures, _results, _results_data
from tailored.events import events

from .conftest import WS, track

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=3)
FIRSTS = decide.first_exposures

METRICS = [
    {"key": "buyers", "type": "conversion", "event": "Order Completed"},
    {"key": "revenue", "type": "sum", "event": "Order Completed", "property": "revenue"},
    {"key": "orders", "type": "count", "event": "Order Completed"},
    {"key": "aov", "type": "ratio", "numerator": "revenue", "denominator": "orders"},
    {"key": "refunds", "type": "count", "event": "Order Refunded"},
]


def _decision(n, profile, variant, at, *, experiment="exp", reason="experiment"):
    return {
        "id": f"dec_{n:06d}",
        "workspace_id": WS,
        "profile_id": profile,
        "message_id": f"d{n}",
        "experiment": experiment,
        "variant": variant,
        "reason": reason,
        "propensity": 0.5,
        "decided_at": at,
    }


def _event(n, profile, name, at, properties):
    return {
        "workspace_id": WS,
        "message_id": f"e{n}",
        "type": "track",
        "event": name,
        "user_id": None,
        "anonymous_id": profile,
        "timestamp": at,
        "received_at": at,
        "properties": properties,
        "traits": None,
        "context": None,
        "extra": None,
        "profile_id": profile,
    }


def _normal(variant, first, other):
    """A record as compared: with several variants at the first moment, either is kept."""
    return ("*" if other == first else variant, first, other)


def _expected(decisions):
    """What ``first_exposures`` should hold, worked out from the whole log at once."""
    seen = defaultdict(list)
    for d in decisions:
        if d["reason"] == "experiment" and d["experiment"] and d["profile_id"] is not None:
            key = (d["workspace_id"], d["experiment"], d["profile_id"])
            seen[key].append((_exposures.to_ms(d["decided_at"]), d["variant"]))
    out = {}
    for key, exposures in seen.items():
        first = min(ms for ms, _ in exposures)
        variant = next(v for ms, v in exposures if ms == first)
        others = [ms for ms, v in exposures if v != variant]
        out[key] = _normal(variant, first, min(others) if others else None)
    return out


def _stored(engine):
    c = FIRSTS.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.workspace_id, c.experiment, c.profile_id, c.variant, c.first_ms, c.other_ms)
        ).all()
    return {(r[0], r[1], r[2]): _normal(*r[3:]) for r in rows}


def _record_in_batches(engine, decisions, rng):
    """Log ``decisions`` shuffled, in batches of random sizes, one transaction each."""
    shuffled = list(decisions)
    rng.shuffle(shuffled)
    while shuffled:
        size = rng.randint(1, 4)
        batch, shuffled = shuffled[:size], shuffled[size:]
        with storage.write_transaction(engine) as conn:
            decide.record_first_exposures(conn, batch)


exposure = st.tuples(
    st.integers(0, 3),  # person
    st.sampled_from(["a", "b", "z", None]),  # variant (z unknown, None none)
    st.integers(0, 5),  # minute: ties are likely
    st.integers(0, 999_999),  # microseconds
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seen=st.lists(exposure, min_size=1, max_size=12), seed=st.integers(0, 2**16))
def test_any_order_and_batching_keeps_what_the_log_says(engine, seen, seed):
    with storage.write_transaction(engine) as conn:
        conn.execute(FIRSTS.delete())
    decisions = [
        _decision(n, f"p{person}", variant, START + timedelta(minutes=minute, microseconds=us))
        for n, (person, variant, minute, us) in enumerate(seen)
    ]
    _record_in_batches(engine, decisions, random.Random(seed))
    assert _stored(engine) == _expected(decisions)


def _log_cohort(key):
    """The people of experiment ``key`` as results found them before: from the log."""
    d = decide.decisions.c
    return _results_data.Cohort(
        (d.workspace_id == WS, d.experiment == key, d.reason == "experiment"), d.variant
    )


def _people(data):
    """Per person: variant, first exposure and their events; in a canonical order."""
    found = defaultdict(list)
    columns = [data.name, data.ts, *data.props.values()]
    for n, person in enumerate(data.person.tolist()):
        found[person].append(tuple(float(c[n]) for c in columns))
    return sorted(
        (int(data.variant[p]), int(data.first[p]), tuple(sorted(found[p])))
        for p in range(data.size)
    )


def _same_data(engine, until, variants=("a", "b")):
    wanted = _results_data.Needs(
        ("Order Completed", "Order Refunded"), False, ("revenue",), 48 * 3_600_000
    )
    kept = _results_data.load(
        engine, WS, _results_data.ExperimentCohort("exp"), variants, wanted, until
    )
    logged = _results_data.load(engine, WS, _log_cohort("exp"), variants, wanted, until)
    assert kept.excluded == logged.excluded
    assert np.array_equal(kept.variant, logged.variant)
    assert np.array_equal(kept.first, logged.first)
    assert _people(kept) == _people(logged)
    return kept


def _close(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _close(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (a, b)
    else:
        assert a == b


def _write_log(engine, rng):
    decisions, evs = [], []
    for n in range(60):
        person = f"person-{n}"
        variant = "ab"[n % 2]
        first = START + timedelta(minutes=17 * n, milliseconds=rng.randrange(1000))
        decisions.append(_decision(len(decisions), person, variant, first))
        if n % 4 == 0:  # seen again, same variant
            decisions.append(_decision(len(decisions), person, variant, first + timedelta(hours=3)))
        if n % 9 == 0:  # then in the other variant, a day later
            other = "ba"[n % 2]
            decisions.append(_decision(len(decisions), person, other, first + timedelta(days=1)))
        if n % 13 == 0:  # an unknown variant, and a decision without a variant
            decisions.append(_decision(len(decisions), person + "-z", "z", first))
            decisions.append(_decision(len(decisions), person + "-none", None, first))
        if n % 5 == 0:  # another experiment, another reason: not this experiment's people
            decisions.append(_decision(len(decisions), person, "b", first, experiment="other"))
            decisions.append(_decision(len(decisions), person + "-r", "a", first, reason="holdout"))
        for k in range(n % 3):
            at = first + timedelta(hours=1 + 5 * k)
            evs.append(
                _event(
                    len(evs),
                    person,
                    "Order Completed",
                    at,
                    {"revenue": rng.choice([5, 12.5, 40, "9", None])},
                )
            )
        if n % 7 == 0:
            evs.append(_event(len(evs), person, "Order Refunded", first - timedelta(hours=2), {}))
    with storage.write_transaction(engine) as conn:
        conn.execute(decide.decisions.insert(), decisions)
        conn.execute(events.insert(), evs)
    return decisions


def test_results_equal_those_read_from_the_log(engine, monkeypatch):
    decide.save_many(
        engine,
        WS,
        [decide.parse("metric", m) for m in METRICS]
        + [
            decide.parse(
                "experiment",
                {
                    "key": "exp",
                    "variants": [{"key": "a"}, {"key": "b"}],
                    "metrics": [m["key"] for m in METRICS],
                },
            ),
        ],
    )
    rng = random.Random(7)
    decisions = _write_log(engine, rng)
    _record_in_batches(engine, decisions, rng)
    # Before, during and after the exposures; and as if a variant were no longer known.
    for until in (START + timedelta(hours=5), NOW - timedelta(days=1, hours=3), NOW):
        data = _same_data(engine, until)
        assert data.size > 0
    # 7 seen in both variants, 5 in an unknown one and 5 without one.
    assert _same_data(engine, NOW).excluded == 17
    assert _same_data(engine, NOW, variants=("a",)).excluded > 17
    found = decide.experiment_results(engine, WS, "exp", now=NOW)
    monkeypatch.setattr(_results, "ExperimentCohort", _log_cohort)
    _close(found, decide.experiment_results(engine, WS, "exp", now=NOW))


def test_the_migration_fills_the_table_from_the_log(engine):
    rng = random.Random(3)
    decisions = []
    for n in range(40):
        at = START + timedelta(minutes=rng.randrange(30), microseconds=rng.randrange(10**6))
        decisions.append(
            _decision(
                n,
                f"p{n % 9}",
                rng.choice(["a", "b", None]),
                at,
                experiment=rng.choice(["exp", "other"]),
                reason=rng.choice(["experiment"] * 4 + ["default"]),
            )
        )
    decisions.append(_decision(99, None, "a", START))
    storage.downgrade(engine, "0010")
    try:
        assert "first_exposures" not in sa.inspect(engine).get_table_names()
        with storage.write_transaction(engine) as conn:
            conn.execute(decide.decisions.insert(), decisions)
    finally:
        storage.upgrade(engine)
    assert _stored(engine) == _expected(decisions)


CTA = {"key": "pricing_cta", "default": {"text": "Buy"}}
CTA_TEST = {
    "key": "cta-test",
    "variants": [{"key": "control"}, {"key": "bold"}],
    "metrics": ["buyers"],
}
CTA_EXPERIENCE = {
    "key": "cta-experience",
    "placement": "pricing_cta",
    "allocation": "experiment",
    "experiment": "cta-test",
    "variants": [
        {"key": "control", "content": {"text": "Buy"}},
        {"key": "bold", "content": {"text": "BUY NOW"}},
    ],
}


def _logged(engine):
    d = decide.decisions.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(decide.decisions)).mappings().all()
        profiles = conn.execute(
            sa.select(d.profile_id).where(d.reason == "experiment").distinct()
        ).scalars()
        return [dict(r) for r in rows], set(profiles)


def test_decide_keeps_first_exposures_and_merges_leave_them_with_the_log(
    engine, configure, send, run
):
    configure(
        metric=[METRICS[0]], placement=[CTA], experiment=[CTA_TEST], experience=[CTA_EXPERIENCE]
    )
    send(track("cy", "Page Viewed"))
    for n in range(12):
        run(user_id=f"user-{n}")
        if n % 3 == 0:
            run(user_id=f"user-{n}")
    run(user_id="cy")
    run(anonymous_id="phone")
    send(track("user-1", "Order Completed", revenue=20))
    decisions, profiles = _logged(engine)
    assert len(decisions) == 18
    assert _stored(engine) == _expected(decisions)
    # The phone is merged into cy; like the decision log, the table keeps both profiles.
    send({"type": "identify", "anonymousId": "phone", "userId": "cy"})
    after, still = _logged(engine)
    assert after == decisions and still == profiles
    assert _stored(engine) == _expected(decisions)
    assert {key[2] for key in _stored(engine)} == profiles
    _same_data(engine, datetime.now(UTC), variants=("control", "bold"))
    # Export names both first exposures of the merged person; erasure removes both.
    with engine.begin() as conn:
        cy = privacy.find_person(conn, WS, "cy")
        exported = privacy.export_person(conn, cy)
    firsts = [r["first_exposure"] for r in exported["data"]["decisions"] if "first_exposure" in r]
    assert len(cy.profile_ids) == 2
    assert [(r["experiment"], r["other_variant_exposed_at"]) for r in firsts] == [
        ("cta-test", None),
        ("cta-test", None),
    ]
    assert all(isinstance(r["exposed_at"], datetime) for r in firsts)
    with engine.begin() as conn:
        privacy.erase_person(conn, privacy.find_person(conn, WS, "cy"))
    left = _stored(engine)
    assert len(left) == 12
    assert not {key[2] for key in left} & cy.profile_ids
