"""Writing a validated roster's rows: plain multi-row inserts in batches, inside the
caller's transaction (parsing and validation are done before it begins, so the write
lock is held only for the inserts)."""

from __future__ import annotations

from itertools import islice

from sqlmodel import Session

BATCH = 5000


def insert_roster_rows(session: Session, township_id: int, kind: str, encoded: list[str]) -> None:
    """Insert ``encoded`` (each row's JSON) as lines 1..n of ``kind`` for the township:
    the driver's own executemany (through SQLAlchemy, so its errors are mapped like any
    other), without SQLAlchemy's per-row parameter processing."""
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO rosterrow (township_id, kind, line, data) VALUES ({mark}, {mark}, {mark}, {mark})"
    rows = iter(enumerate(encoded, start=1))
    while batch := list(islice(rows, BATCH)):
        conn.exec_driver_sql(sql, [(township_id, kind, i, data) for i, data in batch])
