"""Every client is a witness: what this machine saw of each chain.

Each machine that runs the CLI or the TUI keeps, per database id, the head (seq and
hash) of every chain it has read or written, with when it saw it, in one small file in
its user data directory (a JSON line per observation, appended). A later command that
finds a chain shorter than that, or whose event at that seq now has another hash, stops
with exit 6 and says what this machine saw, when, and what the database shows now: a
rewrite made with direct write access to the database (every hash recomputed) cannot
hide from a client that saw the chain before it. The cost is one small file read and
one append per command; only the chains a command touches are looked at.

Heads written by a transaction count only once it committed (:meth:`Witness.committed`),
so a rolled-back change never makes this machine expect events the database never had."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workflow.errors import AuditFailure
from workflow.i18n import Text
from workflow.store import sql as hot
from workflow.store.meta import database_id

DATA_DIR_ENV = "WORKFLOW_DATA_DIR"
"""Overrides the user data directory (tests, or a machine that keeps state elsewhere)."""

_OPEN: list[Witness] = []

COMPACT_FACTOR = 4
COMPACT_SLACK = 256
"""The state file is compacted once it holds more than 4 lines per chain plus 256."""

Fresh = Callable[[], AbstractContextManager[hot.Raw]]
"""A new read transaction on the same database."""


def data_dir() -> Path:
    """Where this machine keeps its witness state."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("workflow", appauthor=False))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Seen:
    """A chain's head as this machine saw it."""

    seq: int
    hash: str
    when: str
    label: str = ""


@dataclass(eq=False)
class Witness:
    """This machine's memory of one database's chains (loaded on first use)."""

    folder: Path = field(default_factory=lambda: data_dir() / "witness")
    db_id: str | None = None
    seen: dict[str, Seen] = field(default_factory=dict)
    pending: dict[str, Seen] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    _lines: int = 0
    _path: Path | None = None
    autosave: bool = False
    """Save after each observation (the TUI, which runs for hours); the CLI saves once
    at the end of the command."""
    _bound: bool = False

    @classmethod
    def for_this_machine(cls) -> Witness:
        """A witness saved by :func:`save_all` at the end of the command."""
        w = cls()
        _OPEN.append(w)
        return w

    # ------------------------------------------------------------ state file

    def path(self) -> Path:
        assert self.db_id is not None
        if self._path is None:
            self._path = self.folder / f"{re.sub(r'[^0-9A-Za-z_-]', '_', self.db_id)}.witness"
        return self._path

    def bind(self, db: hot.Db) -> bool:
        """Learn the database's id and load what this machine saw of it; False when the
        database has no id (then nothing is checked)."""
        if not self._bound:
            self._bound = True
            self.db_id = database_id(db)
            if self.db_id is not None:
                self.seen, self._lines = _read(self.path())
        return self.db_id is not None

    def save(self) -> None:
        """Append the heads this command saw to the state file: one line each, in one
        write (appending is atomic between processes and, unlike replacing a file,
        costs microseconds). Reading keeps the longest head of each chain, so commands
        running at once on this machine merge. A file that has grown well past its
        chains is compacted now and then."""
        if self.db_id is None or not self.dirty:
            return
        path = self.path()
        lines = [
            json.dumps([c, s.seq, s.hash, s.when, s.label], ensure_ascii=False, separators=(",", ":")) + "\n"
            for c in sorted(self.dirty)
            if (s := self.seen.get(c)) is not None
        ]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write("".join(lines))
            self._lines += len(lines)
            if self._lines > COMPACT_FACTOR * len(self.seen) + COMPACT_SLACK:
                self._compact(path)
        except OSError:
            return  # a witness that cannot write only forgets; it never blocks work
        self.dirty.clear()

    def _compact(self, path: Path) -> None:
        """Rewrite the file with one line per chain (the longest heads on disk or here)."""
        merged, _ = _read(path)
        for chain, mine in self.seen.items():
            theirs = merged.get(chain)
            if theirs is None or mine.seq > theirs.seq:
                merged[chain] = mine
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.writelines(
                    json.dumps([c, s.seq, s.hash, s.when, s.label], ensure_ascii=False, separators=(",", ":"))
                    + "\n"
                    for c, s in sorted(merged.items())
                )
            os.replace(tmp, path)  # readers see the old file or the new one, never half
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._lines = len(merged)

    # ------------------------------------------------------------ observations

    def see(
        self, db: hot.Db, chain: str, seq: int, head: str, label: str = "", fresh: Fresh | None = None
    ) -> None:
        """The database shows ``chain`` at ``seq`` with head ``head``: refuse (exit 6) if
        that is shorter than, or diverges from, what this machine saw; else remember it.

        ``db``'s snapshot may predate this machine's state file when another command on
        this machine committed in between; so before refusing, the chain is read again
        in a ``fresh`` transaction (begun after the file was read)."""
        if not self.bind(db):
            return
        before = self.seen.get(chain)
        if before is not None and before.seq > 0:
            if seq == before.seq:
                ok = head == before.hash
            elif seq < before.seq:
                ok = False
            else:
                ok = _chain_state(db, chain, before.seq)[2] == before.hash
            if not ok:
                self._confirm(db if fresh is None else None, fresh, chain, before, label)
                return  # our snapshot was older than this machine's state: nothing to learn
            if seq == before.seq and (not label or label == before.label):
                return  # nothing new: no write
        self.seen[chain] = Seen(seq, head, _now(), label or (before.label if before else ""))
        self.dirty.add(chain)
        if self.autosave:
            self.save()

    def _confirm(self, db: hot.Db | None, fresh: Fresh | None, chain: str, before: Seen, label: str) -> None:
        """Raise unless the chain, read again, still holds what this machine saw."""
        if db is not None:
            top, top_hash, at = _chain_state(db, chain, before.seq)
        else:
            assert fresh is not None
            with fresh() as again:
                top, top_hash, at = _chain_state(again, chain, before.seq)
        if top >= before.seq and at == before.hash:
            return
        raise self._failure(chain, before, top, top_hash, label, shorter=top < before.seq)

    def wrote(self, db: hot.Db, chain: str, seq: int, head: str, label: str = "") -> None:
        """This machine wrote ``chain``'s event ``seq``; counted once committed."""
        if self.bind(db):
            self.pending[chain] = Seen(seq, head, _now(), label)

    def committed(self) -> None:
        for chain, s in self.pending.items():
            if not s.label and chain in self.seen:
                s.label = self.seen[chain].label
            self.seen[chain] = s
            self.dirty.add(chain)
        self.pending.clear()
        if self.autosave:
            self.save()

    def rolled_back(self) -> None:
        self.pending.clear()

    def refuse_missing(self, db: hot.Db, name: str, fresh: Fresh | None = None) -> None:
        """The database has no township called ``name``: exit 6 if this machine saw one
        whose chain is now shorter than it saw (deleted with it; a renamed township
        keeps its chain and passes)."""
        if not self.bind(db):
            return
        for chain, before in list(self.seen.items()):
            if chain.isdigit() and before.seq > 0 and before.label == name.strip():
                self._confirm(db if fresh is None else None, fresh, chain, before, before.label)

    def _failure(
        self, chain: str, before: Seen, seq: int, head: str, label: str, shorter: bool
    ) -> AuditFailure:
        who = label or before.label or chain
        saw = Text(
            f"本机于{before.when}看到「{who}」（链{chain}）有{before.seq}个事件，链头 {before.hash[:16]}…",
            f"this machine saw '{who}' (chain {chain}) at {before.when} with {before.seq} events, "
            f"head {before.hash[:16]}...",
        )
        if shorter:
            now = Text(
                f"数据库现在只有{seq}个事件（链头 {head[:16] or '-'}…）：事件被删除或截断",
                f"the database now shows only {seq} events (head {head[:16] or '-'}...): "
                f"events were deleted or the chain was cut",
            )
        else:
            now = Text(
                f"数据库现在有{seq}个事件（链头 {head[:16]}…），第{before.seq}个事件的哈希已不同：链被改写",
                f"the database now shows {seq} events (head {head[:16]}...) and its event {before.seq} "
                f"has another hash: the chain was rewritten",
            )
        return AuditFailure(Text(f"{saw.zh}；{now.zh}", f"{saw.en}; {now.en}"))


def _read(path: Path) -> tuple[dict[str, Seen], int]:
    """The longest head of each chain in the state file (the first seen on a tie), and
    the number of lines; a line that cannot be read (a torn write) is skipped."""
    seen: dict[str, Seen] = {}
    count = 0
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return seen, 0  # no state yet: this machine has seen nothing
    for line in text.splitlines():
        count += 1
        try:
            c, seq, h, when, label = json.loads(line)
            s = Seen(int(seq), str(h), str(when), str(label))
        except (ValueError, TypeError):
            continue
        if str(c) not in seen or s.seq > seen[str(c)].seq:
            seen[str(c)] = s
    return seen, count


@contextmanager
def witnessing(w: Witness | None) -> Iterator[None]:
    """Around a write transaction: the heads it wrote count only if it committed."""
    if w is None:
        yield
        return
    try:
        yield
    except BaseException:
        w.rolled_back()
        raise
    w.committed()


def save_all() -> None:
    """Save every witness this process opened (the end of a CLI command)."""
    while _OPEN:
        _OPEN.pop().save()


def check_all(w: Witness, fresh: Fresh) -> list[Text]:
    """Every chain this machine saw, checked against the database (``audit verify``)."""
    with fresh() as db:
        if not w.bind(db):
            return []
    problems: list[Text] = []
    with fresh() as db:  # begun after the state file was read
        for chain, before in sorted(w.seen.items()):
            top, top_hash, at = _chain_state(db, chain, before.seq)
            if top < before.seq or at != before.hash:
                problems.append(w._failure(chain, before, top, top_hash, before.label, top < before.seq).text)
    return problems


def _chain_state(db: hot.Db, chain: str, seq: int) -> tuple[int, str, str]:
    """A chain's length and head in the database, and the hash of its event ``seq``."""
    raw = hot.raw(db)
    top = raw.one("SELECT seq, hash FROM event WHERE chain = :c ORDER BY seq DESC LIMIT 1", {"c": chain})
    at = raw.one("SELECT hash FROM event WHERE chain = :c AND seq = :s", {"c": chain, "s": seq})
    return (int(top[0]), str(top[1]), str(at[0]) if at else "") if top else (0, "", "")
