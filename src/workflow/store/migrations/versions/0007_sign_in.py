"""Sign-in: users' password and set-up code hashes, disabled flag and lock-out
counters; the ``session`` table (token SHA-256 only). Token files are keyed by the
database's random id in ``meta`` (revision 0006).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("setup_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("failures_since", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("locked_until", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("last_signin", sa.String(length=40), nullable=False, server_default=""))
    op.create_table(
        "session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.String(length=40), nullable=False),
        sa.Column("expires", sa.String(length=40), nullable=False),
        sa.Column("last_used", sa.String(length=40), nullable=False),
        sa.Column("revoked", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_session_user_id", "session", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_session_user_id", table_name="session")
    op.drop_table("session")
    with op.batch_alter_table("user", schema=None) as batch_op:
        for column in (
            "last_signin",
            "locked_until",
            "failures_since",
            "failures",
            "disabled",
            "setup_hash",
            "password_hash",
        ):
            batch_op.drop_column(column)
