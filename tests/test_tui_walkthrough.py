"""The tmux walk-through (tests/tui_walkthrough.py) under pytest: `workflow tui --demo`
driven with real keystrokes in a real terminal, in both languages, at 120x36 and
80x24. Skipped where tmux is not installed (.ci/run installs it)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.tui_walkthrough import walk

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def workflow_command() -> str:
    """The `workflow` script of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "workflow"
    return str(beside) if beside.exists() else shutil.which("workflow") or "workflow"


@pytest.mark.parametrize(("lang", "width", "height"), [("en", 120, 36), ("zh", 80, 24)])
def test_walk_through_in_tmux(lang: str, width: int, height: int) -> None:
    steps = walk(lang, width, height, workflow_command())
    assert steps == [
        "dashboard",
        "filter",
        "township",
        "advance blocked",
        "record",
        "advance allowed",
        "return",
        "history",
        "export",
        "quit",
    ]
