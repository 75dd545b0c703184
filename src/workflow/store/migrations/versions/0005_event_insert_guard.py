"""The database refuses rewrites of the audit log: an event may only be inserted as the
next one of its chain, linked to the chain's head, and never under the id of an
existing event. SQLite's ``INSERT OR REPLACE`` deletes the row it replaces without
firing delete triggers, so the guard is a BEFORE INSERT trigger; on PostgreSQL the same
guard joins the UPDATE/DELETE/TRUNCATE triggers of revision 0001.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
MESSAGE = (
    "the audit log is append-only: an event must be the next of its chain and link to its head "
    "(INSERT OR REPLACE, a repeated or skipped seq and a wrong prev_hash are refused)"
)

SQLITE_GUARD = f"""CREATE TRIGGER IF NOT EXISTS event_insert_next BEFORE INSERT ON event
    WHEN (NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM event WHERE id = NEW.id))
      OR EXISTS (SELECT 1 FROM event WHERE chain = NEW.chain AND seq >= NEW.seq)
      OR (NEW.seq = 1 AND NEW.prev_hash <> '{GENESIS}')
      OR (NEW.seq <> 1 AND NOT EXISTS (
            SELECT 1 FROM event WHERE chain = NEW.chain AND seq = NEW.seq - 1 AND hash = NEW.prev_hash))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""

PG_GUARD = (
    f"""CREATE OR REPLACE FUNCTION workflow_event_insert_next() RETURNS trigger AS $$
    DECLARE head_seq integer; head_hash varchar;
    BEGIN
      IF EXISTS (SELECT 1 FROM event WHERE id = NEW.id) THEN
        RAISE EXCEPTION '{MESSAGE}';
      END IF;
      SELECT seq, hash INTO head_seq, head_hash FROM event
        WHERE chain = NEW.chain ORDER BY seq DESC LIMIT 1;
      IF head_seq IS NULL THEN head_seq := 0; head_hash := '{GENESIS}'; END IF;
      IF NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
        RAISE EXCEPTION '{MESSAGE}';
      END IF;
      RETURN NEW;
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER event_insert_next BEFORE INSERT ON event
       FOR EACH ROW EXECUTE FUNCTION workflow_event_insert_next()""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_GUARD)
    else:
        for stmt in PG_GUARD:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS event_insert_next")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_insert_next ON event")
        op.execute("DROP FUNCTION IF EXISTS workflow_event_insert_next()")
