"""One TUI measurement in a fresh process (run by bench/run.py).

    python bench/tui_probe.py ours|bare DB paint|filter

``paint`` prints the wall-clock moment (``time.time()``) at which the townships' rows
are on screen and exits; the caller times from launching the process to that moment,
so start-up and imports count and the exit (and any work left in the background)
does not, for either app. ``filter`` then types one character into the dashboard's filter and
prints the seconds until the table shows the filtered rows. ``bare`` is the baseline:
a plain Textual app (Header, DataTable, Footer) reading 10 rows with the standard
library's sqlite3 from the SQLite file on mount."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

if importlib.util.find_spec("workflow") is None:  # a checkout with nothing installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

SIZE = (120, 36)


class BareApp(App[None]):
    """The baseline app."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="towns")
        yield Footer()

    def on_mount(self) -> None:
        import sqlite3

        table = self.query_one(DataTable)
        table.add_columns("id", "name", "stage")
        con = sqlite3.connect(f"file:{self.url.removeprefix('sqlite:///')}?mode=ro", uri=True)
        for tid, name, stage in con.execute("SELECT id, name, stage FROM township ORDER BY id LIMIT 10"):
            table.add_row(str(tid), name, stage)
        con.close()


async def until(pilot: Any, ready: Any, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not ready():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out")
        await pilot.pause(0.001)


async def main(which: str, db: str, what: str) -> None:
    url = f"sqlite:///{db}"
    if which == "bare":
        bare = BareApp(url)
        async with bare.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: bare.query_one(DataTable).row_count > 0)
            await pilot._wait_for_screen()  # processed (drawn), not only added
            print(f"painted {time.time():.6f}")
        return
    from workflow.cli.tui import open_access
    from workflow.tui.app import WorkflowApp

    # as `workflow tui` opens it: schema and user checked before the screen opens
    app = WorkflowApp(open_access(url, "bench", None, False, "zh"), "zh")
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot,
            lambda: app.screen.query("#towns") and app.screen.query_one("#towns", DataTable).row_count > 0,
        )
        if what != "filter":
            await pilot._wait_for_screen()
            print(f"painted {time.time():.6f}")
            return
        screen: Any = app.screen
        await pilot.press("slash")
        before = screen.request
        started = time.perf_counter()
        await pilot.press("3")
        await until(pilot, lambda: screen.request > before and not screen.loading)
        print(f"{time.perf_counter() - started:.6f}")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
