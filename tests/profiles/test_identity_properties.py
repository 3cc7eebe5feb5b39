"""Identity resolution does not depend on the order or batching of the same messages."""

from __future__ import annotations

import random
import shutil
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailored import events, profiles, storage
from tests.fixtures.databases import make_settings

USERS = ["u0", "u1", "u2"]
BASE = datetime(2024, 3, 1, tzinfo=UTC)


@st.composite
def histories(draw):
    """Messages for 5 devices, each owned by at most one user (no shared devices)."""
    owners = draw(st.lists(st.sampled_from([None, *USERS]), min_size=5, max_size=5))
    messages = []
    for minute in range(draw(st.integers(1, 30))):
        device = draw(st.integers(0, 4))
        owner = owners[device]
        kind = draw(st.sampled_from(["anon", "anon", "user", "identify", "alias"]))
        base = {
            "messageId": uuid.uuid4().hex,
            "timestamp": (BASE + timedelta(minutes=minute)).isoformat(),
        }
        if kind == "anon" or owner is None:
            messages.append(
                {**base, "type": "track", "event": "Viewed", "anonymousId": f"a{device}"}
            )
        elif kind == "user":
            messages.append({**base, "type": "track", "event": "Viewed", "userId": owner})
        elif kind == "identify":
            messages.append(
                {**base, "type": "identify", "userId": owner, "anonymousId": f"a{device}"}
            )
        else:
            messages.append({**base, "type": "alias", "userId": owner, "previousId": f"a{device}"})
    return messages


def _ingest(template, tmp_path, messages, seed):
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    engine = storage.create_engine(make_settings(f"sqlite:///{path}"))
    rng = random.Random(seed)
    order = list(messages)
    rng.shuffle(order)
    i = 0
    while i < len(order):
        size = rng.randint(1, 5)
        events.ingest(engine, 1, order[i : i + size], BASE + timedelta(days=1))
        i += size
    return engine


def _partition(engine, messages):
    ids = {m.get("userId") for m in messages} | {m.get("anonymousId") for m in messages}
    ids |= {m.get("previousId") for m in messages}
    ids.discard(None)
    with engine.connect() as conn:
        groups = {}
        for ident in ids:
            groups.setdefault(profiles.find_profile(conn, 1, ident), set()).add(ident)
        counts = {}
        for profile_id, members in groups.items():
            state = profiles.load_states(conn, {profile_id})[profile_id]
            counts[frozenset(members)] = state.get("counts", {}).get("Viewed", 0)
    return counts


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(messages=histories(), seeds=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)))
def test_resolution_is_order_and_batch_independent(sqlite_template, tmp_path, messages, seeds):
    first = _ingest(sqlite_template, tmp_path, messages, seeds[0])
    second = _ingest(sqlite_template, tmp_path, messages, seeds[1])
    try:
        assert _partition(first, messages) == _partition(second, messages)
        total = sum(_partition(first, messages).values())
        assert total == sum(1 for m in messages if m["type"] == "track"), "no event counted twice"
    finally:
        first.dispose()
        second.dispose()
