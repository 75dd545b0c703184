"""The floor of the TUI figures: a bare Textual app on the same SQLite file.

    python bench/bare_tui.py DB.sqlite

A Header, a filter Input (focused from the start), a DataTable and a Footer. On mount
it reads 10 townships (id, name, stage) with the standard library's sqlite3, ordered by
id; each change of the Input runs one ``LIKE`` query on the name and refills the table,
with no debounce. ctrl+q quits (Textual's own binding). bench/tui_pty.py launches it in a
pseudo-terminal the way it launches ``workflow tui``, and bench/run.py compares the two."""

from __future__ import annotations

import sqlite3
import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Input

FIRST = "SELECT id, name, stage FROM township ORDER BY id LIMIT 10"
FILTER = "SELECT id, name, stage FROM township WHERE name LIKE ? ORDER BY id LIMIT 10"


class BareApp(App[None]):
    """The floor app: the least a table of townships with a filter box needs."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.con: sqlite3.Connection | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="name", id="filter")
        yield DataTable(id="towns")
        yield Footer()

    def on_mount(self) -> None:
        self.con = sqlite3.connect(self.path)
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
        self.fill(self.con.execute(FILTER, (f"%{event.value}%",)).fetchall())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python bench/bare_tui.py DB.sqlite")
    BareApp(sys.argv[1]).run()
