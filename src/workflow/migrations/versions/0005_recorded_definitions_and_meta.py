"""The database's id, and the process definitions recorded in the database.

``meta`` holds key/value rows: ``database_id`` (random, made once) names the database
in checkpoints and in each client's witness state. ``definitiontext`` and
``districtdefinition`` hold the definition text each district runs on; an existing
district (a file path, or none for the shipped definition) gets that text recorded on
the system chain here, so that from now on no file on disk decides its rules.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
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
    _record_existing_definitions(conn)


def _record_existing_definitions(conn: sa.Connection) -> None:
    """Each district's definition text (its file's, or the shipped one) on the system
    chain and in the projection."""
    from workflow import audit
    from workflow import definitions_store as store

    districts = conn.execute(sa.text("SELECT id, name, definition_path FROM district ORDER BY id")).all()
    if not districts:
        return
    head = conn.execute(
        sa.text("SELECT seq, hash FROM event WHERE chain = 'system' ORDER BY seq DESC LIMIT 1")
    ).first()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, audit.GENESIS)
    now = dt.datetime.now(dt.UTC)
    for did, name, path in districts:
        rec = store.from_file(Path(path)) if path else store.from_text(store.shipped_text(), "shipped")
        seq += 1
        fields = {
            "chain": "system",
            "seq": seq,
            "township_id": None,
            "kind": "district_definition",
            "from_stage": None,
            "to_stage": None,
            "actor": "db upgrade",
            "recorded_at": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "effective_date": now.date(),
            "note": "",
            "payload": audit.dump_payload(
                store.payload(rec, district=name, previous_sha256=None, changed=[], recorded_by="db upgrade")
            ),
            "prev_hash": prev,
        }
        fields["hash"] = prev = audit.event_hash(**fields)
        cols = ", ".join(fields)
        event_id = conn.execute(
            sa.text(f"INSERT INTO event ({cols}) VALUES ({', '.join(':' + c for c in fields)}) RETURNING id"),
            fields,
        ).scalar_one()
        if not conn.execute(
            sa.text("SELECT 1 FROM definitiontext WHERE sha256 = :s"), {"s": rec.sha256}
        ).first():
            conn.execute(
                sa.text("INSERT INTO definitiontext (sha256, text) VALUES (:s, :t)"),
                {"s": rec.sha256, "t": rec.text},
            )
        conn.execute(
            sa.text("INSERT INTO districtdefinition (district_id, sha256, event_id) VALUES (:d, :s, :e)"),
            {"d": did, "s": rec.sha256, "e": event_id},
        )


def downgrade() -> None:
    op.drop_table("districtdefinition")
    op.drop_table("definitiontext")
    op.drop_table("meta")
