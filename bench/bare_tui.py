"""The floor of the TUI figures: a bare Textual app on the same database.

    python bench/bare_tui.py DB.sqlite
    python bench/bare_tui.py postgresql://USER@HOST:PORT/DATABASE

A Header, a filter Input (focused from the start), a DataTable and a Footer. On mount
it reads 10 townships (id, name, stage) with the plain driver, ordered by id: the
standard library's sqlite3 for a SQLite file, psycopg (autocommit) for a PostgreSQL URL
(``postgresql+psycopg://`` is taken too); each change of the Input runs one ``LIKE``
query on the name and refills the table, with no debounce. ctrl+q quits (Textual's own
binding). bench/tui_pty.py launches it in a pseudo-terminal the way it launches
``workflow tui``, and bench/run.py compares the two."""

from __future__ import annotations

import sys
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Input

FIRST = "SELECT id, name, stage FROM township ORDER BY id LIMIT 10"
FILTER = "SELECT id, name, stage FROM township WHERE name LIKE ? ORDER BY id LIMIT 10"


def is_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


class BareApp(App[None]):
    """The floor app: the least a table of townships with a filter box needs."""

    def __init__(self, db: str) -> None:
        super().__init__()
        self.db = db
        self.con: Any = None
        """A sqlite3 or psycopg connection: both have ``execute(sql, params).fetchall()``."""
        self.filter_sql = FILTER

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="name", id="filter")
        yield DataTable(id="towns")
        yield Footer()

    def on_mount(self) -> None:
        if is_url(self.db):
            import psycopg  # only for a URL: the SQLite floor imports no more than sqlite3

            self.con = psycopg.connect("postgresql://" + self.db.split("://", 1)[1], autocommit=True)
            self.filter_sql = FILTER.replace("?", "%s")
        else:
            import sqlite3

            self.con = sqlite3.connect(self.db)
        table = self.query_one(DataTable)
        table.add_columns("id", "name", "stage")
        self.fill(self.con.execute(FIRST).fetchall())
        self.query_one(Input).focus()

    def fill(self, rows: list[tuple[int, str, str]]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for tid, name, stage in rows:
            table.add_row(str(tid), name, stage)

    def on_input_changed(self, event: Input.Changed) -> None:
        assert self.con is not None
        self.fill(self.con.execute(self.filter_sql, (f"%{event.value}%",)).fetchall())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python bench/bare_tui.py DB.sqlite | postgresql://...")
    BareApp(sys.argv[1]).run()
