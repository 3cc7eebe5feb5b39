"""Concurrent batches on PostgreSQL: no error, no lost update, no person split in two."""

from __future__ import annotations

import threading
import uuid

import pytest

from tailored import events, profiles
from tailored.core import utcnow

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(postgres_url):
    from tailored import storage
    from tests.fixtures.databases import make_settings

    engine = storage.create_engine(make_settings(postgres_url))
    yield engine
    engine.dispose()


def test_concurrent_batches_for_the_same_people(pg_engine):
    people = [f"p{i}" for i in range(20)]
    errors: list[BaseException] = []

    def client(seed: int) -> None:
        try:
            for round_ in range(15):
                batch = []
                for i, person in enumerate(people):
                    anon = f"dev-{person}-{(seed + round_ + i) % 3}"
                    batch.append(
                        {
                            "type": "identify",
                            "userId": person,
                            "anonymousId": anon,
                            "messageId": uuid.uuid4().hex,
                        }
                    )
                    batch.append(
                        {
                            "type": "track",
                            "anonymousId": anon,
                            "event": "Tick",
                            "messageId": uuid.uuid4().hex,
                        }
                    )
                events.ingest(pg_engine, 1, batch, utcnow(), where="")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pg_engine.connect() as conn:
        for person in people:
            pid = profiles.find_profile(conn, 1, person)
            state = profiles.load_states(conn, {pid})[pid]
            assert state["counts"]["Tick"] == 4 * 15, person
            for device in range(3):
                assert profiles.find_profile(conn, 1, f"dev-{person}-{device}") == pid
