"""The log becomes the only truth: every row that a gate, report or screen reads is
rebuilt from the events by ``audit verify``. No table changes; this revision marks the
databases whose rows have been committed to the log. Databases of older releases hold
rows that their events do not carry (roster rows, the day a township began, which
townships and districts exist): ``workflow db upgrade`` moves them to this revision and
then commits those rows to the log as events (``workflow.ledger.upgrade``), in the same
command; every other command refuses the older revision until then.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
