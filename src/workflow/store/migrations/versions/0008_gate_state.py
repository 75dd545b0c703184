"""The next gate's state of every township as a table (``gatestate``), kept by each
change in its own transaction, so that "ready", "blocked" and "waived" are an indexed
column for the lists, not every township's checks evaluated again. The table starts
empty: a township without a row (or with a stale one) is evaluated when read, and
stored by its next change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gatestate",
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("failing", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("waived", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["township_id"], ["township.id"]),
        sa.PrimaryKeyConstraint("township_id"),
    )
    op.create_index("ix_gatestate_failing", "gatestate", ["failing", "final"])


def downgrade() -> None:
    op.drop_index("ix_gatestate_failing", table_name="gatestate")
    op.drop_table("gatestate")
