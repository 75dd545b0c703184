"""Opening the database: the URL, SQLite's WAL and busy timeout, write transactions
that take the lock up front, the schema. Every session runs inside the one error
mapping (:func:`workflow.store.errors.mapped`)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from workflow.errors import BadInput
from workflow.i18n import tr
from workflow.store.errors import busy_seconds, mapped, mask, shown_url, sqlite_path, translate

if TYPE_CHECKING:
    from sqlmodel import Session

# SQLAlchemy logs a failed connection reset (a backend that was terminated) with its
# traceback; the error itself reaches the user through the mapping, the log does not.
logging.getLogger("sqlalchemy").addHandler(logging.NullHandler())
logging.getLogger("sqlalchemy.pool").propagate = False


def default_db_path() -> Path:
    """The embedded SQLite file in the platform's user data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("workflow", appauthor=False)) / "workflow.db"


def resolve_url(db: str | None) -> str:
    """``--db``, else ``WORKFLOW_DB``, else the default SQLite file. A bare path is
    taken as a SQLite file."""
    value = db or os.environ.get("WORKFLOW_DB") or ""
    if not value:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def open_engine(db: str | None, *, read_only: bool = False, immutable: bool = False) -> Engine:
    """An engine for ``db`` with the pragmas and transaction mode this project needs.
    ``read_only`` opens a SQLite file read-only (``mode=ro``: nothing can be written, and
    an auditor's copy is read as it is); ``immutable`` also promises SQLite that nobody
    changes the file, so that a copy on read-only media (a CD, a read-only share) opens
    without the write-ahead log's shared-memory file."""
    url = resolve_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise BadInput(tr("数据库地址无效：{u}", "invalid database URL: {u}", u=shown_url(url))) from e
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            parent = Path(database).parent
            if not parent.exists():
                raise BadInput(tr("数据库目录不存在：{p}", "database folder does not exist: {p}", p=parent))
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
    busy_ms = int(float(busy_seconds()) * 1000)

    @sa_event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        if writable:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # A write takes the lock at BEGIN so that a second writer waits (busy
        # timeout) instead of failing on a stale snapshot. A failure here is a
        # driver error like any other: the session helpers map it.
        mode = conn.get_execution_options().get("workflow_write")
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if mode else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose one transaction commits at the end, or rolls back on error."""
    from sqlmodel import Session

    bind = engine.execution_options(workflow_write=True)
    with mapped(engine.url), Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            with mapped(engine.url):
                session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    from sqlmodel import Session

    with mapped(engine.url), Session(engine, expire_on_commit=False) as session:
        yield session


def schema_revision(engine: Engine) -> str | None:
    """The stored schema revision, or None when the database is not initialised. A
    SQLite file that does not exist is not created by asking (only ``init`` creates it)."""
    if engine.dialect.name == "sqlite":
        database = sqlite_path(engine.url)
        if database and not Path(database).exists():
            return None
    try:
        with mapped(engine.url), engine.connect() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except DBAPIError as e:
                if _is_missing_table(e):
                    return None
                raise
    except DBAPIError as e:  # a failure on connecting, outside the inner block
        raise translate(e, engine.url) from e


def _is_missing_table(e: DBAPIError) -> bool:
    msg = str(e.orig).lower()
    return "no such table" in msg or ("does not exist" in msg and "relation" in msg)


def is_initialised(engine: Engine) -> bool:
    return schema_revision(engine) is not None


def check_schema(engine: Engine) -> None:
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


def create_schema(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision (Alembic)."""
    from workflow.store.migrate import upgrade

    upgrade(engine)
