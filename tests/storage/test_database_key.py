"""``storage.database_key``: one key per database, worked out once per engine."""

from __future__ import annotations

import gc

import sqlalchemy as sa

from tailored import storage
from tailored.storage import _engine


def test_engines_on_one_database_share_a_key_and_others_do_not(tmp_path):
    one = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    again = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    other = sa.create_engine(f"sqlite:///{tmp_path / 'b.db'}")
    assert storage.database_key(one) == storage.database_key(again)
    assert storage.database_key(one) != storage.database_key(other)
    assert storage.database_key(one) == one.url.render_as_string()


def test_a_collected_engine_leaves_no_entry_behind(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    storage.database_key(engine)
    ident = id(engine)
    assert ident in _engine._database_keys
    engine.dispose()
    del engine
    gc.collect()
    assert ident not in _engine._database_keys
