"""suppressions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:32:30.005983
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tailored.storage.migrations.types as tt

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column("last_dropped_at", tt.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_suppressions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "digest", name=op.f("pk_suppressions")),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
