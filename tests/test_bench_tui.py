"""bench/tui_pty.py: an app launched in a pseudo-terminal, timed by what its screen
shows, and never left running."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import tui_pty  # noqa: E402


def test_strip_turns_cursor_moves_into_breaks_and_drops_styles() -> None:
    raw = "\x1b[?1049h\x1b[1;1H\x1b[38;2;1;2;3m青山1\x1b[0m镇\x1b[2;1H白水2镇\x1b]0;title\x07\r"
    assert tui_pty.strip(raw) == "\n青山1镇\n白水2镇"


def test_the_bare_app_paints_filters_and_is_stopped(tmp_path: Path) -> None:
    db = tmp_path / "towns.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE township (id INTEGER PRIMARY KEY, name TEXT, stage TEXT)")
    con.executemany("INSERT INTO township VALUES (?, ?, 'draft')", [(i, f"青山{i}镇") for i in range(1, 31)])
    con.commit()
    con.close()
    # the first page shows ids 1 to 10; "2" brings 12 and 20 to 29, never shown before
    r = tui_pty.launch(
        [sys.executable, str(BENCH / "bare_tui.py"), str(db)], dict(os.environ), key="2", timeout=30
    )
    assert 0 < r.paint < 30
    assert r.filter is not None and 0 < r.filter < 30
    assert r.hwm_kb > 10_000  # a Python process with Textual loaded


def test_an_app_that_never_shows_data_fails_clearly_and_is_not_left_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    # ctrl+q means nothing to it: it is stopped by SIGTERM
    script = (
        "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); print('hello'); time.sleep(60)"
    )
    with pytest.raises(tui_pty.LaunchFailed) as e:
        tui_pty.launch([sys.executable, "-c", script, str(pid_file)], dict(os.environ), timeout=1.5)
    assert "no township on screen within 1.5 s" in str(e.value) and "hello" in str(e.value)
    assert not Path(f"/proc/{pid_file.read_text()}").exists()  # gone and reaped
