"""The one mapping from driver and OS errors to the project's errors.

Every path that touches a connection (the ORM's sessions, the plain-SQL transactions of
:mod:`workflow.store.sql`, the connect hooks, backups and restores) runs inside
:func:`mapped`, and the CLI and the TUI pass anything that still escapes through
:func:`translate`: a driver error never reaches a user as "internal error", and never
with a password in it. Each message says what happened, to which database (its URL
without the password), that nothing was changed, and what to do."""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager

from workflow.errors import BadInput, Conflict, NotPermitted, Unavailable, WorkflowError
from workflow.i18n import tr

BUSY_TIMEOUT_S = 30.0


def busy_seconds() -> float | int:
    """How long a change waits for another to finish before it gives up: 30 s, or
    ``WORKFLOW_BUSY_TIMEOUT`` seconds."""
    import os

    raw = os.environ.get("WORKFLOW_BUSY_TIMEOUT", "")
    try:
        value = float(raw) if raw else BUSY_TIMEOUT_S
    except ValueError:
        value = BUSY_TIMEOUT_S
    value = min(max(value, 0.0), 3600.0)
    return int(value) if value == int(value) else value


_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^:/@\s]*):(?P<pw>[^@\s/]*)@", re.I)
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'[^']*'|\"[^\"]*\"|[^\s&;]+)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def mask(text: str) -> str:
    """``text`` with every password in a URL or a ``password=`` setting replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:***@", text)
    return _KV_PASSWORD.sub(lambda m: f"{m.group('head')}***", text)


def sqlite_path(url: object) -> str:
    """The file of a SQLite URL (also when opened read-only through a ``file:`` URI);
    empty for an in-memory database."""
    from urllib.parse import unquote

    database = str(getattr(url, "database", "") or "")
    if database.startswith("file:"):  # opened read-only (see workflow.store.db.open_engine)
        database = unquote(database[5:].split("?", 1)[0])
    return "" if database == ":memory:" else database


def shown_url(url: object) -> str:
    """A database as a user may see it: a SQLite file's path, or a URL without its
    password."""
    if url is None:
        return "-"
    if getattr(url, "drivername", "").startswith("sqlite"):
        return sqlite_path(url) or ":memory:"
    render = getattr(url, "render_as_string", None)
    if callable(render):
        return str(render(hide_password=True))
    return mask(str(url))


def _detail(e: BaseException) -> str:
    """The driver's first line, masked, printable and short."""
    orig = getattr(e, "orig", None) or e
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return _CONTROL.sub("?", mask(first))[:200]


def _sqlstate(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def _sqlite_name(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    return str(getattr(orig, "sqlite_errorname", "") or "")


def _sqlalchemy_error(e: BaseException, *names: str) -> bool:
    """Whether ``e`` is one of SQLAlchemy's errors ``names`` (SQLAlchemyError: any of
    them). A program that never imported SQLAlchemy has none to map, and does not
    import it to find out."""
    import sys

    exc = getattr(sys.modules.get("sqlalchemy"), "exc", None)
    return exc is not None and any(isinstance(e, getattr(exc, n)) for n in names)


def _is_driver_error(e: BaseException) -> bool:
    if _sqlalchemy_error(e, "SQLAlchemyError"):
        return True
    module = type(e).__module__ or ""
    return module.startswith(("sqlite3", "psycopg", "_sqlite3"))


def _classify(e: BaseException) -> str:
    """busy, unreachable, read-only, full, corrupt, conflict, denied, missing or other."""
    if isinstance(e, OSError) and not _is_driver_error(e):
        return {
            errno.ENOSPC: "full",
            errno.EDQUOT: "full",
            errno.EROFS: "read-only",
            errno.EACCES: "denied-os",
            errno.EPERM: "denied-os",
            errno.ENOENT: "missing",
        }.get(e.errno or 0, "io")
    if _sqlalchemy_error(e, "TimeoutError"):  # the pool's
        return "busy"
    if _sqlalchemy_error(e, "DisconnectionError"):
        return "unreachable"
    name = _sqlite_name(e)
    state = _sqlstate(e)
    msg = str(getattr(e, "orig", None) or e).lower()
    if name:
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return "busy"
        if name.startswith("SQLITE_READONLY"):
            return "read-only"
        if name.startswith("SQLITE_FULL"):
            return "full"
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
            return "corrupt"
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR")):
            return "unreachable"
        if name.startswith("SQLITE_CONSTRAINT"):
            return "conflict"
    if "database is locked" in msg or "database table is locked" in msg:
        return "busy"
    if "readonly database" in msg or ("read-only" in msg and "transaction" in msg):
        return "read-only"
    if "disk is full" in msg or "no space left" in msg:
        return "full"
    if "malformed" in msg or "not a database" in msg or "could not decode" in msg:
        return "corrupt"
    if state:
        if state.startswith("08") or state in ("57P01", "57P02", "57P03"):
            return "unreachable"
        if state == "53100":
            return "full"
        if state.startswith("53") or state == "55P03" or state == "57014":
            return "busy"
        if state == "25006":
            return "read-only"
        if state in ("40001", "40P01") or state.startswith("23"):
            return "conflict"
        if state == "42501":
            return "denied"
        if state.startswith("XX"):
            return "corrupt"
    if _sqlalchemy_error(e, "IntegrityError"):
        return "conflict"
    if (
        (
            "connection" in msg
            and any(w in msg for w in ("refused", "closed", "terminat", "lost", "timeout", "timed out"))
        )
        or "server closed" in msg
        or "could not connect" in msg
        or "unable to open database" in msg
        or "the connection is closed" in msg
        or "consuming input failed" in msg
    ):
        return "unreachable"
    return "other"


def translate(e: BaseException, url: object = None) -> WorkflowError:
    """The project's error for a driver or OS error ``e`` on the database at ``url``
    (a :class:`WorkflowError` is returned as it is)."""
    if isinstance(e, WorkflowError):
        return e
    db = shown_url(url)
    kind = _classify(e)
    sqlite_file = sqlite_path(url) if getattr(url, "drivername", "").startswith("sqlite") else ""
    if kind == "unreachable" and sqlite_file and _on_read_only_storage(sqlite_file):
        kind = "read-only"
    if isinstance(e, OSError) and not _is_driver_error(e):
        return _os_error(e, kind, db)
    if kind == "busy":
        return Unavailable(
            tr(
                "数据库 {db} 正忙：另一项修改占用它已超过 {s} 秒；未做任何更改，请稍后重试",
                "the database {db} is busy: another change has held it for more than {s} s; "
                "nothing was changed; try again",
                db=db,
                s=busy_seconds(),
            ),
            "busy",
        )
    if kind == "unreachable" and sqlite_file:
        return Unavailable(
            tr(
                "无法打开数据库文件 {db}（{d}）；未做任何更改。请检查文件及其目录的权限",
                "cannot open the database file {db} ({d}); nothing was changed. Check the file "
                "and the permissions of its folder",
                db=db,
                d=_detail(e),
            ),
            "unreachable",
        )
    if kind == "unreachable":
        return Unavailable(
            tr(
                "无法连接数据库 {db}（{d}）；未做任何更改。请确认数据库服务在运行、网络可达，然后重试",
                "cannot reach the database {db} ({d}); nothing was changed. Check that the "
                "database server is running and reachable, then try again",
                db=db,
                d=_detail(e),
            ),
            "unreachable",
        )
    if kind == "read-only":
        return Unavailable(
            tr(
                "数据库 {db} 是只读的；未做任何更改。只需查看时请加 --read-only；要修改请使用可写的副本",
                "the database {db} is read-only; nothing was changed. To only read it, add "
                "--read-only; to change it, use a writable copy",
                db=db,
            ),
            "read-only",
        )
    if kind == "full":
        return Unavailable(
            tr(
                "数据库 {db} 所在磁盘已满；未做任何更改。请释放空间后重试",
                "the disk of the database {db} is full; nothing was changed. Free some space and try again",
                db=db,
            ),
            "full",
        )
    if kind == "corrupt":
        return Unavailable(
            tr(
                "数据库 {db} 已损坏或不是 workflow 数据库；未做任何更改。请用 workflow restore 从备份恢复",
                "the database {db} is damaged or is not a workflow database; nothing was changed. "
                "Restore it from a backup with 'workflow restore'",
                db=db,
            ),
            "corrupt",
        )
    if kind == "conflict":
        return Conflict(
            tr(
                "他人同时做了修改；未做任何更改，请重试",
                "someone else changed it at the same moment; nothing was changed; try again",
            )
        )
    if kind == "denied":
        return NotPermitted(
            tr(
                "数据库 {db} 拒绝了此操作（权限不足）；未做任何更改",
                "the database {db} refused this (insufficient privilege); nothing was changed",
                db=db,
            )
        )
    return Unavailable(
        tr(
            "数据库 {db} 出错（{d}）；未做任何更改",
            "the database {db} failed ({d}); nothing was changed",
            db=db,
            d=_detail(e),
        )
    )


def _os_error(e: OSError, kind: str, where: str) -> WorkflowError:
    """An error of the file system while reading or writing ``e.filename`` (else
    ``where``): a full disk and read-only storage are exit 7, the rest bad input."""
    path = str(e.filename) if e.filename else where
    reason = _CONTROL.sub("?", e.strerror or type(e).__name__)
    if kind == "full":
        return Unavailable(
            tr(
                "写入 {p} 时磁盘已满；未做任何更改，也未留下不完整的文件。请释放空间后重试",
                "the disk is full while writing {p}; nothing was changed and no partial file "
                "was left. Free some space and try again",
                p=path,
            ),
            "full",
        )
    if kind == "read-only":
        return Unavailable(
            tr(
                "{p} 位于只读存储上；未做任何更改",
                "{p} is on read-only storage; nothing was changed",
                p=path,
            ),
            "read-only",
        )
    return BadInput(
        tr("无法使用 {p}：{e}；未做任何更改", "cannot use {p}: {e}; nothing was changed", p=path, e=reason)
    )


def _on_read_only_storage(path: str) -> bool:
    """Whether the folder of ``path`` is on storage mounted read-only."""
    import os

    try:
        return bool(os.statvfs(os.path.dirname(os.path.abspath(path))).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def is_mappable(e: BaseException) -> bool:
    """Whether :func:`translate` knows ``e`` (a driver, SQLAlchemy or OS error)."""
    return isinstance(e, OSError) or _is_driver_error(e)


@contextmanager
def mapped(url: object) -> Iterator[None]:
    """Run a block whose driver and OS errors become the project's errors."""
    try:
        yield
    except WorkflowError:
        raise
    except Exception as e:
        if is_mappable(e):
            raise translate(e, url) from e
        raise
