"""Writing a validated roster's rows: plain multi-row inserts in batches, inside the
caller's transaction (parsing and validation are done before it begins, so the write
lock is held only for the inserts)."""

from __future__ import annotations

from itertools import islice

from sqlalchemy import insert
from sqlmodel import Session

from workflow.models import RosterRow

BATCH = 5000


def insert_roster_rows(session: Session, township_id: int, kind: str, encoded: list[str]) -> None:
    """Insert ``encoded`` (each row's JSON) as lines 1..n of ``kind`` for the township."""
    table = RosterRow.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    rows = iter(enumerate(encoded, start=1))
    while batch := list(islice(rows, BATCH)):
        conn.execute(
            insert(table),
            [{"township_id": township_id, "kind": kind, "line": i, "data": data} for i, data in batch],
        )
