"""recommend model versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:10:11.662782
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tailored.storage.migrations.types as tt

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommend_models",
        sa.Column("id", tt.BigIntKey, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("config", tt.JSONType, nullable=False),
        sa.Column("metrics", tt.JSONType, nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_recommend_models_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommend_models")),
        sa.UniqueConstraint(
            "workspace_id", "version", name=op.f("uq_recommend_models_workspace_id_version")
        ),
    )
    with op.batch_alter_table("recommend_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommend_models_workspace_id_active_version"),
            ["workspace_id", "active", "version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("recommend_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommend_models_workspace_id_active_version"))
    op.drop_table("recommend_models")
