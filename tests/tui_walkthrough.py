"""Walk through `workflow tui --demo` in a real terminal (tmux), as a coordinator would:
dashboard, filter, township, a blocked advance, a record, an allowed advance, a
return, the history and an export; then quit.

Keys go in with pauses between them and Chinese one character at a time. The walk
fails on any traceback and on any screen that lacks what it should show.

    python tests/tui_walkthrough.py --lang en --size 120x36
    python tests/tui_walkthrough.py --lang zh --size 80x24

Everything it writes (database, config, the export) lives in a temporary directory;
the tmux session has a name of its own and is killed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PAUSE = 0.4
"""Seconds between two keys."""
WAIT = 30.0
"""Seconds a screen may take to show what is expected."""

WORDS: dict[str, dict[str, list[str]]] = {
    "zh": {
        "dashboard": ["各区进度", "青山镇", "受阻"],
        "gate": ["出口检查", "青山镇"],
        "refused": ["无法执行", "consultation_recorded"],
        "saved": ["已保存"],
        "advanced": ["3/8 对上审查"],
        "returned": ["2/8 对下征求意见"],
        "history": ["的历史", "[退回]", "审计链校验：通过", "本事件哈希"],
        "exported": ["已导出"],
        "record form": ["记录「青山镇」的事实"],
        "advance dialog": ["确认推进"],
        "return form": ["退回或回退「青山镇」"],
        "export form": ["导出「青山镇」的时间线"],
    },
    "en": {
        "dashboard": ["Progress by district", "青山镇", "blocked"],
        "gate": ["Exit gate", "青山镇"],
        "refused": ["Refused", "consultation_recorded"],
        "saved": ["Saved"],
        "advanced": ["3/8 Review above"],
        "returned": ["2/8 Consult below"],
        "history": ["History of", "[returned]", "verifies", "This event's hash"],
        "exported": ["exported"],
        "record form": ["Record a fact of '青山镇'"],
        "advance dialog": ["Confirm advance"],
        "return form": ["Return or revert '青山镇'"],
        "export form": ["Export the timeline of '青山镇'"],
    },
}
"""What each screen must show, by language."""
REASON = {"zh": "材料不全", "en": "missing papers"}


class WalkFailed(AssertionError):
    """A screen lacked what it should show, or a traceback appeared."""


class Terminal:
    """One tmux session running one command, read as text."""

    def __init__(self, name: str, width: int, height: int) -> None:
        self.name = name
        self.width = width
        self.height = height

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={_quote(v)}" for k, v in env.items())
        shell = f"env {exports} {command}; echo WALK-EXIT:$?; sleep 600"
        subprocess.run(
            [
                "tmux",
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(self.width),
                "-y",
                str(self.height),
                shell,
            ],
            check=True,
        )

    def screen(self) -> str:
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=True
        )
        return out.stdout

    def key(self, *keys: str) -> None:
        for k in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, k], check=True)
            time.sleep(PAUSE)

    def type(self, text: str) -> None:
        """One character at a time, as an input method commits Chinese."""
        for ch in text:
            subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", ch], check=True)
            time.sleep(PAUSE)

    def expect(self, step: str, words: list[str], timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if "Traceback" in shown:
                raise WalkFailed(f"{step}: a traceback on screen:\n{shown}")
            if all(w in shown for w in words):
                return shown
            time.sleep(0.3)
        missing = [w for w in words if w not in shown]
        raise WalkFailed(f"{step}: the screen lacks {missing}:\n{shown}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True, check=False)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


@contextmanager
def terminal(width: int, height: int) -> Iterator[Terminal]:
    t = Terminal(f"wf-walk-{uuid.uuid4().hex[:10]}", width, height)
    try:
        yield t
    finally:
        t.kill()


def walk(lang: str, width: int, height: int, workflow: str) -> list[str]:
    """Run the walk; the steps done, in order. Raises :class:`WalkFailed`."""
    w = WORDS[lang]
    done: list[str] = []
    today = dt.date.today().isoformat()
    with tempfile.TemporaryDirectory(prefix="wf-walk-") as tmp, terminal(width, height) as t:
        home = Path(tmp)
        env = {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", ""),
        }
        db = home / "walk.db"
        t.start(f"{_quote(workflow)} --db {_quote(str(db))} --lang {lang} tui --demo", env)

        t.expect("dashboard", w["dashboard"], timeout=90)
        done.append("dashboard")

        t.key("/")
        t.type("青山")
        t.expect("filter", ["青山镇"])
        shown = t.screen()
        if "金沙镇" in shown:
            raise WalkFailed(f"filter: 金沙镇 still listed after typing 青山:\n{shown}")
        done.append("filter")

        t.key("Enter", "Enter")
        t.expect("township", w["gate"])
        done.append("township")

        t.key("a")
        t.expect("advance (blocked)", w["refused"])
        t.key("Enter")
        done.append("advance blocked")

        t.key("r")
        t.expect("record form", w["record form"])
        t.key("Tab")
        t.type("160")
        t.key("Tab")
        t.type("5")
        t.key("Tab")
        t.type(today)
        t.key("C-s")
        t.expect("record", w["saved"])
        done.append("record")

        t.key("a")
        t.expect("advance dialog", w["advance dialog"])
        t.key("Enter")
        t.expect("advance (allowed)", w["advanced"])
        done.append("advance allowed")

        t.key("b")
        t.expect("return form", w["return form"])
        t.type(REASON[lang])
        t.key("C-s")
        t.expect("return", w["returned"])
        done.append("return")

        t.key("h")
        t.expect("history", w["history"])
        done.append("history")

        t.key("Escape")
        t.expect("back to the township", w["gate"])
        t.key("e")
        t.expect("export form", w["export form"])
        t.key("C-s")
        t.expect("export", w["exported"])
        exported = home / "Documents" / "青山镇-timeline.csv"
        if not exported.is_file() or "青山镇" not in exported.read_text(encoding="utf-8-sig"):
            raise WalkFailed(f"export: {exported} was not written")
        done.append("export")

        t.key("q")
        final = t.expect("quit", ["WALK-EXIT:"])
        if "WALK-EXIT:0" not in final:
            raise WalkFailed(f"quit: the program did not end cleanly:\n{final}")
        done.append("quit")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lang", choices=("zh", "en"), default="en")
    parser.add_argument("--size", default="120x36", help="WIDTHxHEIGHT")
    parser.add_argument("--workflow", default=shutil.which("workflow") or "workflow")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.split("x"))
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    try:
        steps = walk(args.lang, width, height, args.workflow)
    except WalkFailed as e:
        print(f"walk-through FAILED: {e}", file=sys.stderr)
        return 1
    print(f"walk-through passed ({args.lang}, {args.size}): " + ", ".join(steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
