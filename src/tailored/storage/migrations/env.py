"""Alembic environment: always run online, on the connection tailored hands over."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from tailored.storage._types import UTCDateTime

config = context.config
connection = config.attributes["connection"]


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render tailored's own column types as ``tt.NAME`` in generated scripts."""
    del autogen_context
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "tt.UTCDateTime()"
    if type_ == "type" and getattr(obj, "_variant_mapping", None):
        return "tt.BigIntKey" if "sqlite" in obj._variant_mapping else "tt.JSONType"
    return False


context.configure(
    connection=connection,
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
