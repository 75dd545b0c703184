"""The README's Quick start, taken literally: its first line, copied from the README as
it stands, run in a copy of this checkout (a new virtual environment, a plain
``pip install .``), opens the dashboard with the demo districts in a real terminal
(tmux). The second line is what .ci/run runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def quick_start() -> list[str]:
    """The command lines of the README's Quick start block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S)
    assert block is not None, "the Quick start has no code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_two_lines_each_in_a_venv_of_its_own() -> None:
    lines = quick_start()
    assert len(lines) == 2
    assert all(line.startswith("python3 -m venv .venv && .venv/bin/pip install ") for line in lines)
    assert lines[0].endswith("workflow tui --demo") and lines[1].endswith(".venv/bin/pytest")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_the_first_line_opens_the_dashboard_with_the_demo(tmp_path: Path) -> None:
    line = quick_start()[0]
    copy = tmp_path / "workflow"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "build", "__pycache__", ".*cache"),
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "TMUX")}
    env |= {
        "WORKFLOW_DATA_DIR": str(tmp_path / "data"),
        "WORKFLOW_CONFIG_DIR": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "WORKFLOW_LANG": "zh",
        "TERM": "xterm-256color",
    }
    session = f"readme-{uuid.uuid4().hex[:8]}"
    # the line as the README has it; then the shell stays, for the screen to be read
    script = f"{line}; echo EXITED $?; sleep 60"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", "-c", str(copy), script],
        env=env,
        check=True,
    )
    try:
        screen = ""
        deadline = time.monotonic() + 600  # a fresh venv and pip install . come first
        while time.monotonic() < deadline:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if ("各区进度" in screen and "演示区" in screen) or "EXITED" in screen:
                break
            time.sleep(1)
        assert "各区进度" in screen and "某区" in screen and "演示区" in screen, screen
        assert "Traceback" not in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=False)
        time.sleep(3)
        screen = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout
        assert "EXITED 0" in screen, screen
        assert "export WORKFLOW_DB=" in screen and "demo.db" in screen, screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)
