"""The database's id, and the process definitions recorded in the database.

``meta`` holds key/value rows: ``database_id`` (random, made once) names the database
in checkpoints and in each client's witness state. ``definitiontext`` and
``districtdefinition`` hold the definition text each district runs on. An existing
district (a file path, or none for the shipped definition) gets that text recorded on
the system chain by ``workflow db upgrade`` right after this revision
(``workflow.ledger.upgrade``), so that from then on no file on disk decides its rules.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "definitiontext",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "districtdefinition",
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"]),
        sa.PrimaryKeyConstraint("district_id"),
    )
    conn = op.get_bind()
    conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('database_id', :v)"), {"v": uuid.uuid4().hex})


def downgrade() -> None:
    op.drop_table("districtdefinition")
    op.drop_table("definitiontext")
    op.drop_table("meta")
