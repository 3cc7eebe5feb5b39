"""decision indexes

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 23:00:00.000000

The decision log's index by experiment goes: experiment results read ``first_exposures``
since 0011, and nothing else looks decisions up by experiment. The index by experience keeps
only the decisions that have one (flags' have none). Every logged decision writes one or two
index entries fewer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BY_EXPERIENCE = "ix_decisions_workspace_id_experience_decided_at"
_BY_EXPERIMENT = "ix_decisions_workspace_id_experiment_decided_at"


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(_BY_EXPERIMENT)
        batch_op.drop_index(_BY_EXPERIENCE)
        batch_op.create_index(
            _BY_EXPERIENCE,
            ["workspace_id", "experience", "decided_at"],
            unique=False,
            sqlite_where=sa.text("experience IS NOT NULL"),
            postgresql_where=sa.text("experience IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(_BY_EXPERIENCE)
        batch_op.create_index(
            _BY_EXPERIENCE, ["workspace_id", "experience", "decided_at"], unique=False
        )
        batch_op.create_index(
            _BY_EXPERIMENT, ["workspace_id", "experiment", "decided_at"], unique=False
        )
