"""What the database keeps about itself (the ``meta`` table, revision 0004)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def database_id(session: Session) -> str:
    """This database's own random id, made once when its schema was created."""
    value = session.connection().execute(text("SELECT value FROM meta WHERE name = 'database_id'")).scalar()
    return str(value) if value else "unknown"
