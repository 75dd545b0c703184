"""What the database keeps about itself (the ``meta`` table): its own random id, made
once when its schema was created, which names it in checkpoints, in each client's
witness state and session tokens, and in calendar UIDs."""

from __future__ import annotations

from workflow.store import sql as hot

DATABASE_ID = "SELECT value FROM meta WHERE key = 'database_id'"


def database_id(db: hot.Db) -> str | None:
    """The database's random id, or None if it has none (an older schema)."""
    row = hot.raw(db).one(DATABASE_ID, {})
    return str(row[0]) if row else None
