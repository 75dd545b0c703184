"""Stale gate states found by index: ``gatestate.valid_until`` is indexed, and every
township gets a stored state that holds or is expired (a state at another version than
the township's is expired, a missing one added expired: ``valid_until`` 0001-01-01).
From this revision on every change keeps it so (it stores the state it leaves, in its
own transaction), so the dashboard's state filters look for stale states with the index
(``valid_until <= today``) instead of comparing every township with its state. And
``township(stage, stage_since)`` is indexed: the overdue townships are a range of it per
stage.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

EXPIRED = dt.date(1, 1, 1)


def upgrade() -> None:
    op.create_index("ix_gatestate_valid_until", "gatestate", ["valid_until"])
    op.create_index("ix_township_stage_since", "township", ["stage", "stage_since"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # "ready" is failing = 0 AND final = false: PostgreSQL estimates the two columns
        # as independent (a fifth of the table, when none may be ready) and then reads
        # every township instead of the index; their joint frequencies make it see it
        op.execute("CREATE STATISTICS st_gatestate_state (mcv) ON failing, final FROM gatestate")
    expired = EXPIRED.isoformat() if bind.dialect.name == "sqlite" else EXPIRED
    bind.execute(
        sa.text(
            "UPDATE gatestate SET valid_until = :expired WHERE version <> "
            "(SELECT t.version FROM township t WHERE t.id = gatestate.township_id) "
            "AND (valid_until IS NULL OR valid_until > :expired)"
        ),
        {"expired": expired},
    )
    bind.execute(
        sa.text(
            "INSERT INTO gatestate (township_id, version, final, failing, waived, valid_until) "
            "SELECT t.id, t.version, :no, 0, 0, :expired FROM township t "
            "WHERE NOT EXISTS (SELECT 1 FROM gatestate g WHERE g.township_id = t.id)"
        ),
        {"expired": expired, "no": False},
    )
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE gatestate")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS st_gatestate_state")
    op.drop_index("ix_township_stage_since", table_name="township")
    op.drop_index("ix_gatestate_valid_until", table_name="gatestate")
