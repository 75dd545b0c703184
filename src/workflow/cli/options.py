"""What every command shares: the global options (``--db``, ``--as``, ``--lang``,
``--definition``, ``--read-only``) as :data:`OPTS`, and the helpers that print in the
user's language. Command modules import this; nothing here imports a command module,
and nothing here is slow to import (``workflow status`` starts with it)."""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workflow.errors import BadInput
from workflow.i18n import Lang, Text, detect_lang, parse_lang, tr

if TYPE_CHECKING:
    from pathlib import Path


class Exit(Exception):
    """End the command with this exit code (and no message)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


_COLLECTING_HELD = False
"""Whether :func:`hold_collecting` stopped the garbage collector for the start-up."""


def hold_collecting() -> None:
    """No garbage collection while the program starts (called once, by the ``workflow``
    process itself, never for a command run in someone else's process). Start-up builds
    long-lived objects (modules, classes, the parser, the definition, Textual's widgets)
    and little garbage, and every collection meanwhile scans them again: before the
    terminal UI's first frame the collector took about a quarter of the time."""
    global _COLLECTING_HELD
    if gc.isenabled():
        gc.disable()
        _COLLECTING_HELD = True


def start_collecting() -> None:
    """Garbage collection on again once the command's work begins, the objects of the
    start-up frozen out of it (:func:`gc.freeze`: they live as long as the process);
    nothing when :func:`hold_collecting` did not stop it."""
    global _COLLECTING_HELD
    if _COLLECTING_HELD:
        _COLLECTING_HELD = False
        gc.freeze()
        gc.enable()


@dataclass
class Options:
    db: str | None
    user: str
    """The signed-in user, once :meth:`acting` has checked the session."""
    lang: Lang
    definition: Path | None
    read_only: bool = False
    login_name: str | None = None
    """``--as``: only the name ``workflow login`` offers; it chooses nobody's identity."""
    _engines: dict[bool, Any] = field(default_factory=dict)

    def acting(self, *, reading: bool = False) -> str:
        """The user of this machine's valid session for the database (exit 4 without
        one); nothing else chooses who acts."""
        if not self.user:
            from workflow.app.auth import session_user
            from workflow.store.db import check_schema

            check_schema(self.engine(reading=reading))
            self.user = session_user(self.engine(reading=reading))
        return self.user

    def loaded_definition(self) -> Any:
        """The ``--definition`` file, else the default definition."""
        from workflow.domain.definition import default_definition, load

        return load(self.definition) if self.definition else default_definition()

    def engine(self, *, reading: bool = False) -> Any:
        """The database (opened once per command and mode); a command that only reads
        opens a SQLite file read-only, and ``--read-only`` (a copy on read-only media)
        also as immutable."""
        from workflow.store.db import open_engine

        mode = reading or self.read_only
        if mode not in self._engines:
            self._engines[mode] = open_engine(self.db, read_only=mode, immutable=self.read_only)
        return self._engines[mode]

    def reads(self) -> Any:
        """Reads only (``status``): no ORM is loaded. Rules come from each district's
        recorded definition, never from ``--definition``; this machine is a witness."""
        from workflow.app.reads import Reads
        from workflow.domain.definition import default_definition
        from workflow.ledger.witness import Witness

        reads = Reads(
            self.engine(reading=True),
            self.acting(reading=True),
            default_definition(),
            witness=Witness.for_this_machine(),
        )
        reads._schema_ok = True  # acting() checked it
        return reads

    def service(self, *, reading: bool = False) -> Any:
        """The service; ``reading`` for a command that changes nothing."""
        from workflow.app.service import Service

        return self._on_database(Service, reading)

    def steps(self) -> Any:
        """The part of the service that steps townships (``advance``, ``return``, a bulk
        advance and its dry run), without the modules of the rest (imports, evidence,
        set-up, maintenance), which these commands would only load."""
        from workflow.app.steps import Steps

        return self._on_database(Steps, False)

    def _on_database(self, kind: Any, reading: bool) -> Any:
        from workflow.domain.definition import default_definition
        from workflow.ledger.witness import Witness

        return kind(
            self.engine(reading=reading),
            self.acting(reading=reading),
            default_definition(),
            witness=Witness.for_this_machine(),
        )


OPTS = Options(None, "", "en", None)


def default_user() -> str:
    """The name ``init`` proposes for the first admin (it chooses nobody's identity)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "admin"


def set_options(
    db: str | None,
    as_user: str | None,
    lang: str | None,
    definition: Path | None,
    read_only: bool,
) -> None:
    """Take the global options of this command line (a bad ``--lang`` is bad input)."""
    if lang is not None and parse_lang(lang) is None:
        raise BadInput(
            tr("--lang 应为 zh 或 en，而不是「{v}」", "--lang must be zh or en, not '{v}'", v=lang)
        )
    OPTS.db = db
    OPTS.user = ""
    OPTS.login_name = as_user.strip() if as_user else None
    OPTS._engines = {}
    OPTS.lang = (parse_lang(lang) if lang else None) or detect_lang(None)
    OPTS.definition = definition
    OPTS.read_only = read_only


def say(text: Text | str) -> None:
    print(text(OPTS.lang) if isinstance(text, Text) else text, flush=True)


def emit_json(data: Any) -> None:
    import json

    print(json.dumps(data, ensure_ascii=False, indent=2, default=str), flush=True)


def prompt(label: Text) -> str:
    """A line typed at a prompt (asked again while empty); end of input or Ctrl-C
    ends the command with exit code 1."""
    while True:
        try:
            value = input(f"{label(OPTS.lang)}: ")
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            raise Exit(1) from None
        if value:
            return value


def stage_name(stage_id: str | None, definition: Any = None) -> str:
    """'n.name' of a stage in the user's language (of ``definition``, else the one in
    use)."""
    if stage_id is None:
        return "-"
    d = definition or current_definition()
    if d.has_stage(stage_id):
        s = d.stage(stage_id)
        return f"{s.order}.{s.zh if OPTS.lang == 'zh' else s.en}"
    return stage_id


def current_definition() -> Any:
    """The shipped definition (stage names where no district is at hand)."""
    from workflow.domain.definition import default_definition

    return default_definition()


# ---------------------------------------------------------------- set-up


def check_line(c: Any) -> str:
    """One check as a line of the listing (in the language of the command only: a bulk
    listing has thousands)."""
    zh = OPTS.lang == "zh"
    if c.passed:
        mark = "[通过]" if zh else "[pass]"
    elif c.waived:
        mark = "[已豁免]" if zh else "[waived]"
    else:
        mark = "[未通过]" if zh else "[FAIL]"
    line = f"  {mark} {c.id}: {c.message.zh if zh else c.message.en}"
    line += (
        f"（实际 {c.actual}，要求 {c.required}）" if zh else f" (actual {c.actual}, required {c.required})"
    )
    if c.waived:
        line += f"；豁免理由：{c.waiver_reason}" if zh else f"; waiver: {c.waiver_reason}"
    return line


def kv_pairs(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs:
        if "=" not in p:
            raise BadInput(tr("参数「{p}」应写成 字段=值", "argument '{p}' must be field=value", p=p))
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out
