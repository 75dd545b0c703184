"""A ``meta`` table of settings the database keeps about itself, starting with its
own random id (``database_id``): calendar UIDs carry it, so the calendars of two
installations never overwrite each other in one client.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    meta = op.create_table(
        "meta",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(length=200), nullable=False),
    )
    op.bulk_insert(meta, [{"name": "database_id", "value": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("meta")
