"""Opening the database: the URL, SQLite's WAL and busy timeout, write transactions
that take the lock up front, the schema. Every session runs inside the one error
mapping (:func:`workflow.store.errors.mapped`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.errors import BadInput
from workflow.i18n import tr
from workflow.store import sql as hot
from workflow.store.connect import Database, default_db_path, prepare_sqlite, resolve_url
from workflow.store.errors import busy_seconds, mapped, mask, shown_url, sqlite_path

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

__all__ = ["Database", "default_db_path", "open_engine", "resolve_url"]


def open_engine(db: str | None, *, read_only: bool = False, immutable: bool = False) -> Database:
    """The database ``db`` with the pragmas and transaction mode this project needs
    (see :class:`Database`: driver connections now, the SQLAlchemy engine when first
    asked for). ``read_only`` opens a SQLite file read-only (``mode=ro``: nothing can be
    written, and an auditor's copy is read as it is); ``immutable`` also promises SQLite
    that nobody changes the file, so that a copy on read-only media (a CD, a read-only
    share) opens without the write-ahead log's shared-memory file."""
    url = resolve_url(db)
    if url.startswith("sqlite"):
        database = url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""
        if database and database != ":memory:":
            parent = Path(database).parent
            if not parent.exists():
                raise BadInput(tr("数据库目录不存在：{p}", "database folder does not exist: {p}", p=parent))
    elif url.startswith("postgresql+psycopg://"):
        _check_conninfo(url)
    return Database(
        url,
        lambda: _sa_engine(url, read_only=read_only, immutable=immutable),
        read_only=read_only,
        immutable=immutable,
    )


def _invalid(url: str) -> BadInput:
    return BadInput(tr("数据库地址无效：{u}", "invalid database URL: {u}", u=mask(url)))


def _check_conninfo(url: str) -> None:
    """A PostgreSQL URL that libpq cannot read is bad input, before any connection."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict("postgresql://" + url.split("://", 1)[1])
    except ProgrammingError:
        raise _invalid(url) from None


def _sa_engine(url: str, *, read_only: bool, immutable: bool) -> Engine:
    """The SQLAlchemy engine for ``url``, its connections set up as
    :class:`Database` sets up its own."""
    import logging

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    # SQLAlchemy logs a failed connection reset (a backend that was terminated) with
    # its traceback; the error itself reaches the user through the mapping, the log
    # does not.
    logging.getLogger("sqlalchemy").addHandler(logging.NullHandler())
    logging.getLogger("sqlalchemy.pool").propagate = False

    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise _invalid(url) from e
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        connect_args: dict[str, Any] = {"timeout": float(busy_seconds())}
        if (read_only or immutable) and database and database != ":memory:":
            from urllib.parse import quote

            flags = "mode=ro" + ("&immutable=1" if immutable else "")
            url = f"sqlite:///file:{quote(str(Path(database).resolve()))}?{flags}&uri=true"
        engine = create_engine(url, connect_args=connect_args)
        _sqlite_setup(engine, writable=not (read_only or immutable))
        return engine
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except Exception as e:  # an unknown dialect or a missing driver
        raise BadInput(
            tr(
                "无法打开数据库 {u}：未知的数据库类型，或其驱动未安装（{e}）",
                "cannot open database {u}: an unknown kind of database, or its driver is not installed ({e})",
                u=shown_url(parsed),
                e=mask(str(e).splitlines()[0] if str(e) else type(e).__name__),
            )
        ) from e
    if read_only:
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def _sqlite_setup(engine: Engine, writable: bool = True) -> None:
    from sqlalchemy import event as sa_event

    @sa_event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        prepare_sqlite(dbapi_conn, writable)

    @sa_event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # A write takes the lock at BEGIN so that a second writer waits (busy
        # timeout) instead of failing on a stale snapshot. A failure here is a
        # driver error like any other: the session helpers map it.
        mode = conn.get_execution_options().get("workflow_write")
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if mode else "BEGIN")


def is_sqlite(engine: Database) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_session(engine: Database) -> Iterator[Session]:
    """A session whose one transaction commits at the end, or rolls back on error."""
    from sqlmodel import Session

    bind = engine.sa.execution_options(workflow_write=True)
    with mapped(engine.url), Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            with mapped(engine.url):
                session.rollback()
            raise


@contextmanager
def read_session(engine: Database) -> Iterator[Session]:
    from sqlmodel import Session

    with mapped(engine.url), Session(engine.sa, expire_on_commit=False) as session:
        yield session


def schema_revision(engine: Database) -> str | None:
    """The stored schema revision, or None when the database is not initialised. A
    SQLite file that does not exist is not created by asking (only ``init`` creates it)."""
    if engine.dialect.name == "sqlite":
        database = sqlite_path(engine.url)
        if database and not Path(database).exists():
            return None
    with hot.read(engine) as db:
        try:
            row = db.one("SELECT version_num FROM alembic_version", {})
        except db.errors as e:
            if _is_missing_table(e):
                return None
            raise
    return None if row is None else str(row[0])


def _is_missing_table(e: BaseException) -> bool:
    msg = str(getattr(e, "orig", None) or e).lower()
    return "no such table" in msg or ("does not exist" in msg and "relation" in msg)


def is_initialised(engine: Database) -> bool:
    return schema_revision(engine) is not None


def check_schema(engine: Database) -> None:
    """Refuse to work on a database that is missing, older or newer than this program."""
    from workflow.store.migrate import HEAD

    rev = schema_revision(engine)
    if rev is None:
        raise BadInput(
            tr(
                "数据库尚未初始化：请先运行 workflow init",
                "the database is not initialised: run 'workflow init' first",
            )
        )
    if rev != HEAD:
        older = rev < HEAD
        raise BadInput(
            tr(
                "数据库结构版本为{r}，本程序需要{h}：{a}",
                "the database schema is at revision {r}, this program needs {h}: {b}",
                r=rev,
                h=HEAD,
                a="请运行 workflow db upgrade" if older else "请升级本程序",
                b="run 'workflow db upgrade'" if older else "upgrade this program",
            )
        )


def create_schema(engine: Database) -> None:
    """Create or upgrade the schema to the newest revision (Alembic)."""
    from workflow.store.migrate import upgrade

    upgrade(engine)
