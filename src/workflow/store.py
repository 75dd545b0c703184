"""Opening the database: the URL, SQLite's WAL and busy timeout, write transactions
that take the lock up front, the schema, and the triggers that keep the audit log
append-only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

from workflow import models
from workflow.errors import BadInput
from workflow.i18n import tr

BUSY_TIMEOUT_MS = 30_000


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


def open_engine(db: str | None) -> Engine:
    """An engine for ``db`` with the pragmas and transaction mode this project needs."""
    url = resolve_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise BadInput(tr("数据库地址无效：{u}", "invalid database URL: {u}", u=url)) from e
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            parent = Path(database).parent
            if not parent.exists():
                raise BadInput(tr("数据库目录不存在：{p}", "database folder does not exist: {p}", p=parent))
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_setup(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=False)
    except Exception as e:  # an unknown dialect or a missing driver
        raise BadInput(tr("无法打开数据库 {u}：{e}", "cannot open database {u}: {e}", u=url, e=e)) from e


def _sqlite_setup(engine: Engine) -> None:
    @sa_event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # A write takes the lock at BEGIN so that a second writer waits (busy
        # timeout) instead of failing on a stale snapshot.
        mode = conn.get_execution_options().get("workflow_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose one transaction commits at the end, or rolls back on error."""
    bind = engine.execution_options(workflow_write=True)
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def is_initialised(engine: Engine) -> bool:
    try:
        return inspect(engine).has_table("event")
    except OperationalError as e:
        raise BadInput(
            tr("无法连接数据库：{e}", "cannot connect to the database: {e}", e=str(e.orig).strip())
        ) from e


SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS event_no_update BEFORE UPDATE ON event
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS event_no_delete BEFORE DELETE ON event
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END""",
)

PG_TRIGGERS = (
    """CREATE OR REPLACE FUNCTION workflow_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP; END;
       $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS event_append_only ON event",
    """CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
       FOR EACH ROW EXECUTE FUNCTION workflow_event_append_only()""",
    "DROP TRIGGER IF EXISTS event_no_truncate ON event",
    """CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
       FOR EACH STATEMENT EXECUTE FUNCTION workflow_event_append_only()""",
)


def create_schema(engine: Engine) -> None:
    """Create every table and the append-only triggers (idempotent)."""
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in _tables()])  # type: ignore[attr-defined]
    install_triggers(engine)


def install_triggers(engine: Engine) -> None:
    statements = SQLITE_TRIGGERS if is_sqlite(engine) else PG_TRIGGERS
    with engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


def _tables() -> list[type[SQLModel]]:
    return [
        models.District,
        models.Township,
        models.Event,
        models.Fact,
        models.RosterRow,
        models.Waiver,
        models.Violation,
        models.User,
        models.UserTownship,
    ]
