"""Backup and restore of a SQLite database file.

A backup is SQLite's online backup into a temporary file beside the target, renamed
into place only when complete: a failure (a full disk, an unwritable folder) leaves
nothing behind, and a retry is not refused by a half-written file. A restore checks
the backup first (SQLite's integrity check; the caller replays its audit log), refuses
while another process has the target open, removes the target's stale write-ahead log
(which SQLite would otherwise replay into the restored file) and swaps the file in with
one atomic rename."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workflow.errors import BadInput, Unavailable
from workflow.i18n import tr
from workflow.store.documents import copy_documents
from workflow.store.errors import mapped

SIDE_FILES = ("-wal", "-shm", "-journal")


def _temp_beside(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


@contextmanager
def _partial(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, removed (with its side files) unless the
    block renamed it into place."""
    tmp = _temp_beside(target)
    try:
        yield tmp
    finally:
        for path in (tmp, *(Path(f"{tmp}{s}") for s in SIDE_FILES)):
            with contextlib.suppress(OSError):  # absent, or on storage that refused it
                path.unlink()


def _probe(tmp: Path) -> None:
    """Refuse a folder that cannot be written (read-only media, no permission) with a
    message naming it, before anything is copied."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise BadInput(
            tr(
                "无法写入目录 {p}：{e}；未做任何更改",
                "cannot write to the folder {p}: {e}; nothing was changed",
                p=tmp.parent,
                e=e.strerror or e,
            )
        ) from e
    os.close(fd)
    tmp.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: str, tmp: Path) -> int:
    """SQLite's online backup of ``source`` (opened read-only) into the new file ``tmp``,
    left in rollback-journal mode so that it is one self-contained file; pages copied."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    finally:
        src.close()
    _fsync(tmp)
    return pages


def backup(source: str, target: Path) -> int:
    """Copy the SQLite database at ``source`` to the new file ``target``; pages copied."""
    if target.exists():
        raise BadInput(tr("文件已存在：{p}（不会覆盖）", "file exists: {p} (it is not replaced)", p=target))
    if not target.parent.is_dir():
        raise BadInput(tr("目录不存在：{p}", "folder does not exist: {p}", p=target.parent))
    with mapped(target), _partial(target) as tmp:
        _probe(tmp)
        pages = _copy(source, tmp)
        try:
            os.link(tmp, target)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            raise BadInput(
                tr("文件已存在：{p}（不会覆盖）", "file exists: {p} (it is not replaced)", p=target)
            ) from None
        except OSError:
            os.replace(tmp, target)  # a file system without hard links
        copy_documents(source, target)  # after the copy: every document it names is there
        return pages


def integrity_problems(path: Path) -> list[str]:
    """SQLite's integrity check of the file at ``path`` (empty when it is sound)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return [str(e).splitlines()[0][:200]]
    found = [str(r[0])[:200] for r in rows]
    return [] if found == ["ok"] else found


def open_by_others(path: Path) -> list[int]:
    """Processes other than this one that hold the database (or its write-ahead log)
    open (Linux: read from /proc; elsewhere nothing is found)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    wanted = {str(path.resolve()), *(str(path.resolve()) + s for s in SIDE_FILES)}
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in wanted:
                        found.append(int(entry.name))
                        break
    return sorted(found)


def restore(backup_path: Path, target: Path) -> int:
    """Put the checked backup ``backup_path`` in place of ``target``; pages copied. The
    caller has checked the backup's audit log and the user's permission."""
    if not target.parent.is_dir():
        raise BadInput(tr("目录不存在：{p}", "folder does not exist: {p}", p=target.parent))
    others = open_by_others(target)
    if others:
        raise Unavailable(
            tr(
                "数据库 {p} 正被其他进程使用（进程号 {n}）；未做任何更改。请先关闭它们再恢复",
                "the database {p} is open in other processes (pid {n}); nothing was changed. "
                "Close them, then restore",
                p=target,
                n=", ".join(map(str, others)),
            ),
            "busy",
        )
    with mapped(target), _partial(target) as tmp:
        _probe(tmp)
        copy_documents(backup_path.resolve(), target)  # before the swap: its documents are there
        pages = _copy(str(backup_path.resolve()), tmp)
        for suffix in SIDE_FILES:  # a stale log would be replayed into the restored file
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return pages
