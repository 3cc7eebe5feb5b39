"""first exposures

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 06:30:00.000000

Each person's first exposure to each experiment, kept as exposures are logged; filled here
from the decision log already written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tailored.storage.migrations.types as tt

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "first_exposures",
        sa.Column("id", tt.BigIntKey, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("experiment", sa.String(length=100), nullable=False),
        sa.Column("profile_id", sa.String(length=40), nullable=False),
        sa.Column("variant", sa.String(length=100), nullable=True),
        sa.Column("first_ms", sa.BigInteger(), nullable=False),
        sa.Column("other_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_first_exposures_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_first_exposures")),
        sa.UniqueConstraint(
            "workspace_id",
            "profile_id",
            "experiment",
            name=op.f("uq_first_exposures_workspace_id_profile_id_experiment"),
        ),
    )
    with op.batch_alter_table("first_exposures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_first_exposures_by_experiment",
            ["workspace_id", "experiment", "first_ms", "variant", "other_ms"],
            unique=False,
        )
    _backfill()


def _backfill() -> None:
    """Per experiment and person logged so far: the variant of the earliest exposure, its
    time, and the earliest exposure in another variant (times in epoch ms, as results read
    them from the log)."""
    decisions = sa.table(
        "decisions",
        sa.column("id", sa.String()),
        sa.column("workspace_id", sa.Integer()),
        sa.column("profile_id", sa.String()),
        sa.column("experiment", sa.String()),
        sa.column("variant", sa.String()),
        sa.column("reason", sa.String()),
        sa.column("decided_at", sa.DateTime()),
    )
    target = sa.table(
        "first_exposures",
        *(sa.column(n) for n in ("workspace_id", "experiment", "profile_id", "variant")),
        sa.column("first_ms", sa.BigInteger()),
        sa.column("other_ms", sa.BigInteger()),
    )
    d = decisions.c
    if op.get_bind().dialect.name == "sqlite":
        ms = sa.func.round((sa.func.julianday(d.decided_at) - 2440587.5) * 86400000.0)
    else:
        ms = sa.func.round(sa.extract("epoch", d.decided_at) * 1000.0)
    person = [d.workspace_id, d.experiment, d.profile_id]
    exposures = (
        sa.select(
            *person,
            d.variant,
            sa.cast(ms, sa.BigInteger).label("at"),
            sa.func.first_value(d.variant)
            .over(partition_by=person, order_by=[d.decided_at, d.id])
            .label("first_variant"),
        )
        .where(d.reason == "experiment", d.experiment.is_not(None), d.profile_id.is_not(None))
        .subquery()
    )
    e = exposures.c
    other = sa.case((e.variant.is_distinct_from(e.first_variant), e.at))
    firsts = sa.select(
        e.workspace_id,
        e.experiment,
        e.profile_id,
        sa.func.min(e.first_variant),
        sa.func.min(e.at),
        sa.func.min(other),
    ).group_by(e.workspace_id, e.experiment, e.profile_id)
    names = ["workspace_id", "experiment", "profile_id", "variant", "first_ms", "other_ms"]
    op.execute(target.insert().from_select(names, firsts))


def downgrade() -> None:
    with op.batch_alter_table("first_exposures", schema=None) as batch_op:
        batch_op.drop_index("ix_first_exposures_by_experiment")

    op.drop_table("first_exposures")
