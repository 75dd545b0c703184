"""A terminal app launched in a pseudo-terminal and timed by what its screen shows.

    python bench/tui_pty.py [--key 3] [--focus /] [--marker REGEX] -- COMMAND ...

:func:`launch` starts ``COMMAND`` on the slave side of a new pseudo-terminal (120x36
set with TIOCSWINSZ before the start, ``TERM=xterm-256color``, its own session with the
terminal as its controlling one), reads everything it writes on the master side and
strips the escape sequences (a cursor move becomes a line break, so text of different
cells is never glued together). It reports:

``paint``
    seconds from just before the spawn to the first output in which ``marker`` (a
    township name such as ``白马498镇``) appears: start-up, imports, the command line,
    the session check, the first query and the first frame all count.

``filter``
    (with ``key``) the app is first left to settle (no output for ``QUIET`` s, at most
    ``SETTLE_MAX`` s, so that what it does after its first paint is done), then
    ``focus`` is written (our dashboard's ``/``) and the app settles again, then ``key``
    is written and the seconds are counted until output written after it shows a
    marker that contains ``key`` and was not on the screen before the keystroke. Why
    this criterion: a name on the screen before (the first page has some names with the
    digit) may be redrawn for other reasons (a row's cursor, a late cell); a name that
    contains the typed text and was never shown can only come from the table refilled
    with the filter's result, and a refilled table is drawn in one frame. It does not
    ask that every row match: our filter also matches district names and stage words,
    so rows without the digit are correct there.

``hwm_kb``
    the peak resident memory (VmHWM of /proc/PID/status, summed over the process and
    any processes under it) read after the last figure and a settle, just before the
    app is stopped.

The app is then stopped: ctrl+q (both apps quit on it), then SIGTERM and SIGKILL to its
process group after short waits, and reaped; the master side is read meanwhile so that
the app never blocks writing its last frame."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SIZE = (120, 36)
"""Columns and lines of the pseudo-terminal."""
NAME = r"[\u4e00-\u9fff]+\d+镇"
"""A generated township's name: CJK characters, its id, then 镇 (``白马498镇``)."""
QUIET = 0.3
"""Seconds without output after which an app is taken to have settled (a blinking
cursor writes every 0.5 s)."""
SETTLE_MAX = 5.0
"""Longest wait for an app to settle."""
TIMEOUT = 60.0
"""Longest wait for a figure; beyond it the launch fails with what the screen showed."""
QUIT = b"\x11"
"""ctrl+q"""

_SEQUENCE = re.compile(
    r"\x1b(?:"
    r"\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC
    r"|[ -/]*[0-~]"  # the other escapes (charset, keypad, save / restore cursor)
    r")"
)
_CURSOR_MOVE = re.compile(r"\x1b\[[0-9;]*[HfABCDEFGd]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip(text: str) -> str:
    """``text`` without escape sequences and control characters; a cursor move is a
    line break."""
    text = _CURSOR_MOVE.sub("\n", text)
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


class LaunchFailed(RuntimeError):
    pass


@dataclass
class Result:
    paint: float
    """Seconds from spawn to the first marker on screen."""
    filter: float | None
    """Seconds from the keystroke to a new matching marker (None without a key)."""
    hwm_kb: int
    """Peak resident memory of the app's processes, KB."""


class Terminal:
    """The master side of a pseudo-terminal and what came out of it, escapes stripped."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        """Decoded text held back: it ends in an escape sequence not yet complete."""
        self.text = ""
        """All the stripped output so far."""
        self.closed = False

    def read(self, timeout: float) -> bool:
        """Read what is there within ``timeout`` s; whether anything came."""
        if self.closed:
            time.sleep(max(timeout, 0))
            return False
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # EIO: every slave side closed (the app is gone)
            data = b""
        if not data:
            self.closed = True
            return False
        self.pending += self.decoder.decode(data)
        cut = self.pending.rfind("\x1b")
        if cut >= 0 and len(self.pending) - cut < 256 and not _SEQUENCE.match(self.pending, cut):
            done, self.pending = self.pending[:cut], self.pending[cut:]
        else:
            done, self.pending = self.pending, ""
        self.text += strip(done)
        return True

    def until(self, found: Callable[[str], bool], timeout: float, what: str) -> float:
        """Read until ``found(self.text)``; the moment (perf_counter) it first held."""
        deadline = time.perf_counter() + timeout
        while not found(self.text):
            if self.closed:
                raise LaunchFailed(f"the app ended before {what}; its screen:\n{self.text[-3000:]}")
            if time.perf_counter() > deadline:
                raise LaunchFailed(f"no {what} within {timeout:g} s; the screen:\n{self.text[-3000:]}")
            self.read(deadline - time.perf_counter())
        return time.perf_counter()

    def settle(self, quiet: float = QUIET, longest: float = SETTLE_MAX) -> None:
        """Read until nothing comes for ``quiet`` s (at most ``longest`` s)."""
        deadline = time.perf_counter() + longest
        while time.perf_counter() < deadline and not self.closed:
            if not self.read(min(quiet, deadline - time.perf_counter())):
                return

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)


def descendants(pid: int) -> list[int]:
    """``pid`` and the processes under it (from /proc/*/stat)."""
    parent: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parent.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += parent.get(p, [])
    return out


def peak_kb(pid: int) -> int:
    """VmHWM (KB) of ``pid`` and the processes under it, summed."""
    total = 0
    for p in descendants(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total


def _controlling_terminal() -> None:
    """In the child, after setsid: its stdin (the slave side) becomes its controlling
    terminal, as in a terminal emulator."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def stop(proc: subprocess.Popen[bytes], term: Terminal) -> None:
    """ctrl+q, then SIGTERM, then SIGKILL to the app's process group; reaped, and the
    group killed outright should anything of it outlive the app."""
    steps: tuple[tuple[signal.Signals | None, float], ...] = (
        (None, 3.0),  # ctrl+q
        (signal.SIGTERM, 2.0),
        (signal.SIGKILL, 5.0),
    )
    for sig, wait in steps:
        if proc.poll() is not None:
            break
        if sig is None:
            with contextlib.suppress(OSError):
                term.write(QUIT)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        deadline = time.perf_counter() + wait
        while proc.poll() is None and time.perf_counter() < deadline:
            term.read(0.05)  # drain, so that its last frame never blocks it
    proc.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def launch(
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    key: str | None = None,
    focus: str = "",
    marker: str = NAME,
    size: tuple[int, int] = SIZE,
    timeout: float = TIMEOUT,
) -> Result:
    """Run ``command`` in a pseudo-terminal of ``size`` (columns, lines) with ``env``
    (and ``TERM=xterm-256color``); time its first paint, and with ``key`` the filter
    keystroke (after writing ``focus``), then its peak memory; stop it (see the module's
    docstring)."""
    names = re.compile(marker)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    term = Terminal(master)
    child_env = {**env, "TERM": "xterm-256color"}
    for var in ("COLUMNS", "LINES"):
        child_env.pop(var, None)
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            list(command),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=child_env,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
        )
    except BaseException:
        os.close(master)
        os.close(slave)
        raise
    os.close(slave)
    try:
        paint = term.until(lambda text: names.search(text) is not None, timeout, "township on screen")
        filtered: float | None = None
        if key is not None:
            term.settle()
            if focus:
                term.write(focus.encode())
                term.settle()
            seen = set(names.findall(term.text))
            mark = len(term.text)
            sent = time.perf_counter()
            term.write(key.encode())
            done = term.until(
                lambda text: any(key in n and n not in seen for n in names.findall(text, mark)),
                timeout,
                f"new township containing {key!r} after the keystroke",
            )
            filtered = done - sent
        term.settle()
        hwm = peak_kb(proc.pid)
        return Result(paint - started, filtered, hwm)
    finally:
        try:
            stop(proc, term)
        finally:
            os.close(master)


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--key", default=None, help="time this keystroke to a new matching name")
    p.add_argument("--focus", default="", help="written before the key (our dashboard: /)")
    p.add_argument("--marker", default=NAME, help="regular expression of data on screen")
    p.add_argument("command", nargs="+")
    a = p.parse_args(argv)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    r = launch(a.command, dict(os.environ), key=a.key, focus=a.focus, marker=a.marker)
    print(json.dumps({"paint": r.paint, "filter": r.filter, "hwm_kb": r.hwm_kb}))


if __name__ == "__main__":
    main(sys.argv[1:])
