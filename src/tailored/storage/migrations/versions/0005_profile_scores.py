"""profile scores

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:43:54.699558
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tailored.storage.migrations.types as tt

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profile_scores",
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("recency", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=40), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=True),
        sa.Column("expected_orders_90d", sa.Float(), nullable=True),
        sa.Column("computed_at", tt.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_scores_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_profile_scores_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", name=op.f("pk_profile_scores")),
    )


def downgrade() -> None:
    op.drop_table("profile_scores")
