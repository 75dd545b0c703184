"""Evidence: documents attached to facts. ``attachment`` is the projection the
``attach`` events set (a document's SHA-256, size, media type, display name, note, who
and when, and the attachment it supersedes); ``documentblob`` holds the documents'
content on PostgreSQL, in parts (SQLite keeps them in a folder beside the database,
and leaves the table empty).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=False),
        sa.Column("fact", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.String(length=40), nullable=False),
        sa.Column("supersedes", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["township_id"], ["township.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attachment_township_fact", "attachment", ["township_id", "fact"])
    op.create_index("ix_attachment_sha256", "attachment", ["sha256"])
    op.create_table(
        "documentblob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "part"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # PDFs, scans and Office files are compressed already: store the parts as they
        # are, without PostgreSQL trying (and failing) to compress each one.
        op.execute("ALTER TABLE documentblob ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("documentblob")
    op.drop_index("ix_attachment_sha256", table_name="attachment")
    op.drop_index("ix_attachment_township_fact", table_name="attachment")
    op.drop_table("attachment")
