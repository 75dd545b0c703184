"""Keep each township's chain head (the hash of its last event) on the township row,
so a change needs no extra query to link its event; verify cross-checks it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("township", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_hash", sa.String(length=64), nullable=False, server_default=""))
    op.execute(
        "UPDATE township SET head_hash = COALESCE((SELECT e.hash FROM event e "
        "WHERE e.chain = CAST(township.id AS VARCHAR(32)) ORDER BY e.seq DESC LIMIT 1), '')"
    )


def downgrade() -> None:
    with op.batch_alter_table("township", schema=None) as batch_op:
        batch_op.drop_column("head_hash")
