"""profiles and the identity graph

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:28:04.870817
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tailored.storage.migrations.types as tt

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("merged_into", sa.String(length=40), nullable=True),
        sa.Column("state", tt.JSONType, nullable=True),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tt.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_profiles_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiles")),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profiles_merged_into"), ["merged_into"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_profiles_workspace_id_user_id"), ["workspace_id", "user_id"], unique=True
        )

    op.create_table(
        "profile_identities",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profiles.id"],
            name=op.f("fk_profile_identities_profile_id_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_profile_identities_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "kind", "value", name=op.f("pk_profile_identities")
        ),
    )
    with op.batch_alter_table("profile_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_identities_profile_id"), ["profile_id"], unique=False
        )

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_id", sa.String(length=40), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_profile_id_timestamp"),
            ["workspace_id", "profile_id", "timestamp"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_profile_id_timestamp"))
        batch_op.drop_column("profile_id")

    with op.batch_alter_table("profile_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_identities_profile_id"))

    op.drop_table("profile_identities")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profiles_workspace_id_user_id"))
        batch_op.drop_index(batch_op.f("ix_profiles_merged_into"))

    op.drop_table("profiles")
