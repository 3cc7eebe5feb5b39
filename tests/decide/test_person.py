"""Reading the person a decision is for, on both databases (SQLite reads through its driver)."""

from __future__ import annotations

from tailored import decide, profiles

from .conftest import WS, track


def _load(engine, *ids):
    with engine.connect() as conn:
        config = decide.compiled_config(conn, WS)
        person, _ = decide.load_person(conn, WS, list(ids), config)
    return person


def test_a_user_id_wins_and_the_state_segments_and_scores_come_along(engine, send, segment):
    segment("buyers", {"order_count": {"$gte": 1}})
    segment("nobody", {"order_count": {"$gte": 100}})
    send(
        {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"plan": "pro"}},
        track("u1", "Order Completed", revenue=20.0),
        {"type": "track", "anonymousId": "a2", "event": "Page Viewed"},
    )
    profiles.compute_scores(engine, WS)

    person = _load(engine, "u1", "a2")
    assert person.profile_id == _load(engine, "a1").profile_id
    assert person.state["traits"]["plan"][0] == "pro"
    assert person.segments == frozenset({"buyers"})
    assert person.score is not None and set(person.score["rfm"]) == {
        "recency",
        "frequency",
        "monetary",
    }

    other = _load(engine, "a2", "u1")  # the first id that has a profile is the person
    assert other.profile_id not in (None, person.profile_id)
    assert other.segments == frozenset() and other.score is None


def test_a_merged_profile_is_read_through_the_one_it_joined(engine, send):
    send({"type": "track", "anonymousId": "a9", "event": "Page Viewed"})
    send(track("u9", "Page Viewed"))
    send({"type": "alias", "userId": "u9", "previousId": "a9"})
    assert _load(engine, "a9").profile_id == _load(engine, "u9").profile_id is not None


def test_a_stranger_is_nobody_yet(engine):
    person = _load(engine, "never-seen")
    assert person == decide.Person(None, {}, frozenset(), None)


def test_read_at_once_while_the_configuration_is_fresh(engine, send, segment):
    segment("buyers", {"order_count": {"$gte": 1}})
    send(track("u1", "Order Completed", revenue=20.0))
    with engine.connect() as conn:
        decide.invalidate(conn, WS)
    assert decide.load_person_at_once(engine, WS, ["u1"]) is None  # nothing compiled
    expected = _load(engine, "u1")  # compiles the configuration
    found = decide.load_person_at_once(engine, WS, ["u1"])
    if engine.dialect.name != "sqlite":
        assert found is None  # other databases read through a connection of the pool
        return
    assert found is not None and found[0] == expected
    assert decide.load_person_at_once(engine, WS, ["never-seen"]) == (
        decide.Person(None, {}, frozenset(), None),
        found[1],
    )


def test_a_segment_this_process_has_not_compiled_sends_the_read_the_long_way(engine, send, segment):
    send(track("u1", "Order Completed", revenue=20.0))
    _load(engine, "u1")  # compiled before the segment exists
    segment("buyers", {"order_count": {"$gte": 1}})
    send(track("u1", "Order Completed", revenue=5.0))
    assert decide.load_person_at_once(engine, WS, ["u1"]) is None
    assert _load(engine, "u1").segments == frozenset({"buyers"})  # recompiled on the way
