"""initial schema: workspaces, api keys, jobs, events, items

Revision ID: 0001
Revises:
Create Date: 2026-11-23 20:05:24.888311
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import tailored.storage.migrations.types as tt

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("name", name=op.f("uq_workspaces_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", tt.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_api_keys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "events",
        sa.Column("id", tt.BigIntKey, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=255), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=True),
        sa.Column("anonymous_id", sa.String(length=255), nullable=True),
        sa.Column("timestamp", tt.UTCDateTime(), nullable=False),
        sa.Column("received_at", tt.UTCDateTime(), nullable=False),
        sa.Column("properties", tt.JSONType, nullable=True),
        sa.Column("traits", tt.JSONType, nullable=True),
        sa.Column("context", tt.JSONType, nullable=True),
        sa.Column("extra", tt.JSONType, nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_events_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint(
            "workspace_id", "message_id", name=op.f("uq_events_workspace_id_message_id")
        ),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_anonymous_id"),
            ["workspace_id", "anonymous_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_event_timestamp"),
            ["workspace_id", "event", "timestamp"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_events_workspace_id_user_id"), ["workspace_id", "user_id"], unique=False
        )

    op.create_table(
        "items",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("categories", tt.JSONType, nullable=False),
        sa.Column("brand", sa.String(length=255), nullable=True),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("tags", tt.JSONType, nullable=False),
        sa.Column("properties", tt.JSONType, nullable=False),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tt.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_items_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "item_id", name=op.f("pk_items")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", tt.BigIntKey, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("payload", tt.JSONType, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", tt.UTCDateTime(), nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", tt.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", tt.UTCDateTime(), nullable=False),
        sa.Column("finished_at", tt.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_jobs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jobs_status_run_at"), ["status", "run_at"], unique=False
        )

    workspaces = sa.table(
        "workspaces", sa.column("name", sa.String), sa.column("created_at", tt.UTCDateTime())
    )
    op.bulk_insert(workspaces, [{"name": "default", "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status_run_at"))

    op.drop_table("jobs")
    op.drop_table("items")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_user_id"))
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_event_timestamp"))
        batch_op.drop_index(batch_op.f("ix_events_workspace_id_anonymous_id"))

    op.drop_table("events")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_workspace_id"))

    op.drop_table("api_keys")
    op.drop_table("workspaces")
