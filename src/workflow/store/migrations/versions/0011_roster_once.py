"""A roster's rows are stored once: in the event that set it. The table ``rosterrow``
(one row per roster row, each a copy of a line its import event already carries) is
replaced by ``roster``, one row per township and kind naming that event and counting
its rows. An import then writes its rows once, and its write transaction no longer
inserts every row a second time (a 200,000-row import held the write lock for seconds).

Each roster is matched with the last event that set it. Where that event does not carry
its rows (an older release's import, committed by ``workflow db upgrade`` right after
this revision), or carries other rows than the table held (rows changed behind the
program's back), ``roster.lines`` keeps the rows as they were found, so that nothing is
lost and ``audit verify`` still reports a difference.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from workflow.domain.rosters import roster_lines_of, stored_lines

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROSTER_EVENTS = "('import', 'roster_commit', 'upgrade_commit')"
BATCH = 2000
STREAM = {"stream_results": True, "yield_per": BATCH}
"""Read in batches (on PostgreSQL a server-side cursor), this statement only."""


def _setters(bind: sa.Connection) -> dict[tuple[int, str], int]:
    """The last event that set each (township, kind), whether or not it carries rows."""
    last: dict[tuple[int, str], int] = {}
    rows = bind.execute(
        sa.text(f"SELECT id, township_id, payload FROM event WHERE kind IN {ROSTER_EVENTS} ORDER BY id"),
        execution_options=STREAM,
    )
    for ev, tid, payload in rows:
        p = json.loads(payload or "{}")
        kinds = list(p.get("rosters", {})) if "rosters" in p else [p.get("kind")]
        for kind in kinds:
            if tid is not None and kind is not None:
                last[(int(tid), str(kind))] = int(ev)
    return last


def _groups(bind: sa.Connection) -> Iterator[tuple[tuple[int, str], list[str]]]:
    """The old table's rosters, one at a time, each in its line order."""
    rows = bind.execute(
        sa.text("SELECT township_id, kind, line, data FROM rosterrow ORDER BY township_id, kind, line, id"),
        execution_options=STREAM,
    )
    key: tuple[int, str] | None = None
    lines: list[str] = []
    for tid, kind, _line, data in rows:
        here = (int(tid), str(kind))
        if here != key:
            if key is not None:
                yield key, lines
            key, lines = here, []
        lines.append(str(data))
    if key is not None:
        yield key, lines


def upgrade() -> None:
    op.create_table(
        "roster",
        sa.Column("township_id", sa.Integer(), sa.ForeignKey("township.id"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("lines", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("township_id", "kind"),
    )
    bind = op.get_bind()
    setters = _setters(bind)
    out: list[dict[str, Any]] = []
    for (tid, kind), lines in _groups(bind):
        ev = setters.get((tid, kind), 0)
        carried: list[str] | None = None
        if ev:
            found = bind.execute(sa.text("SELECT payload FROM event WHERE id = :id"), {"id": ev}).scalar()
            got = roster_lines_of(json.loads(found or "{}"), kind)
            carried = None if got is None else list(got)
        out.append(
            {
                "tid": tid,
                "kind": kind,
                "rows": len(lines),
                "ev": ev,
                "lines": None if carried == lines else "\n".join(lines),
            }
        )
    insert = sa.text(
        "INSERT INTO roster (township_id, kind, rows, event_id, lines) VALUES (:tid, :kind, :rows, :ev, :lines)"
    )
    for i in range(0, len(out), BATCH):
        bind.execute(insert, out[i : i + BATCH])
    with op.batch_alter_table("rosterrow", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_township_kind")
    op.drop_table("rosterrow")


def downgrade() -> None:
    op.create_table(
        "rosterrow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), sa.ForeignKey("township.id"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("data", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rosterrow", schema=None) as batch_op:
        batch_op.create_index("ix_roster_township_kind", ["township_id", "kind"], unique=False)
    bind = op.get_bind()
    rosters = bind.execute(
        sa.text(
            "SELECT r.township_id, r.kind, r.lines, e.payload FROM roster r "
            "LEFT JOIN event e ON e.id = r.event_id ORDER BY r.township_id, r.kind"
        )
    ).all()
    insert = sa.text(
        "INSERT INTO rosterrow (township_id, kind, line, data) VALUES (:tid, :kind, :line, :data)"
    )
    for tid, kind, lines, payload in rosters:
        rows = [
            {"tid": tid, "kind": kind, "line": n, "data": data}
            for n, data in enumerate(stored_lines(str(kind), lines, payload), start=1)
        ]
        for i in range(0, len(rows), BATCH):
            bind.execute(insert, rows[i : i + BATCH])
    op.drop_table("roster")
