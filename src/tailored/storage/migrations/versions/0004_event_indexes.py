"""events: drop the user and anonymous id indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:36:18.456611
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_anonymous_id"))
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_user_id"))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_user_id"), ["workspace_id", "user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_anonymous_id"),
            ["workspace_id", "anonymous_id"],
            unique=False,
        )
