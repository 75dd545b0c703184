"""The database as every layer holds it: :class:`Database`, opened by
:func:`workflow.store.db.open_engine`.

Most commands only read a few rows, or change one township with a handful of plain
statements (:mod:`workflow.store.sql`); SQLAlchemy's import alone costs several times
what they do. So a :class:`Database` hands out the driver's own connections (the
standard library's ``sqlite3``, or ``psycopg``) from a small pool of its own, set up
exactly as the SQLAlchemy engine sets up its connections, and builds that engine (for
the ORM's sessions, migrations and exports) only when something first asks for it
(:attr:`Database.sa`). A URL this module does not know how to open (another
dialect or driver, an in-memory database, query options) is served by the engine
alone, so that there is never a second reading of one URL."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.store.errors import busy_seconds, mask

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

MAX_IDLE = 4
"""Connections kept open for reuse (the TUI's workers read in parallel)."""


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


def prepare_sqlite(dbapi_conn: Any, writable: bool) -> None:
    """A new SQLite connection as this project uses it: we issue BEGIN ourselves; a
    busy database is waited for (``WORKFLOW_BUSY_TIMEOUT``); a writable one is in WAL
    mode with full syncs; foreign keys are enforced."""
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {int(float(busy_seconds()) * 1000)}")
    if writable:
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


class Url:
    """A database URL as messages show it (see :func:`workflow.store.errors.shown_url`):
    the parts those read, never the password."""

    def __init__(self, value: str, drivername: str, database: str) -> None:
        self._value = value
        self.drivername = drivername
        self.database = database

    def get_backend_name(self) -> str:
        return self.drivername.split("+", 1)[0]

    def render_as_string(self, hide_password: bool = True) -> str:
        return mask(self._value) if hide_password else self._value

    def __str__(self) -> str:
        return self.render_as_string()

    def __repr__(self) -> str:
        return f"Url({self.render_as_string()!r})"


class _Dialect:
    """What :class:`workflow.store.sql.Raw` asks of a dialect."""

    def __init__(self, name: str, paramstyle: str, dbapi: Any) -> None:
        self.name = name
        self.paramstyle = paramstyle
        self.loaded_dbapi = dbapi


class Pooled:
    """A driver connection lent by a :class:`Database`; :meth:`close` gives it back."""

    def __init__(self, owner: Database, conn: Any) -> None:
        self._owner = owner
        self.dbapi_connection = conn

    def close(self) -> None:
        conn, self.dbapi_connection = self.dbapi_connection, None
        if conn is not None:
            self._owner._give_back(conn)


def _light(url: str) -> tuple[Url, _Dialect] | None:
    """The URL and dialect of a database this module opens itself: a SQLite file, or
    PostgreSQL through psycopg, without query options; None for any other."""
    if url.startswith(("sqlite:///", "sqlite+pysqlite:///")) and "?" not in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            import sqlite3

            return Url(url, "sqlite", path), _Dialect("sqlite", "qmark", sqlite3)
    elif url.startswith("postgresql+psycopg://") and "?" not in url:
        import psycopg

        rest = url.split("://", 1)[1]
        database = rest.rsplit("/", 1)[-1] if "/" in rest else ""
        return Url(url, "postgresql+psycopg", database), _Dialect("postgresql", "pyformat", psycopg)
    return None


class Database:
    """One database: its URL, driver connections for plain SQL, and the SQLAlchemy
    engine on demand. ``read_only`` opens a SQLite file with ``mode=ro`` (and
    ``immutable`` as well, for a copy on read-only media) and PostgreSQL sessions as
    read only."""

    def __init__(
        self,
        url: str,
        build_sa: Callable[[], Engine],
        *,
        read_only: bool = False,
        immutable: bool = False,
    ) -> None:
        self._url_text = url
        self._build_sa = build_sa
        self._sa: Engine | None = None
        self.read_only = read_only
        self.immutable = immutable
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._connect: Callable[[], Any] | None = None
        light = _light(url)
        if light is not None:
            self.url, self.dialect, self._connect = light[0], light[1], self._sqlite
            if self.dialect.name == "postgresql":
                self._connect = self._postgresql
        else:  # served by the engine alone
            sa = self.sa
            self.url = Url(
                sa.url.render_as_string(hide_password=False), sa.url.drivername, sa.url.database or ""
            )
            self.dialect = _Dialect(sa.dialect.name, sa.dialect.paramstyle, sa.dialect.loaded_dbapi)

    # ------------------------------------------------------------ the engine

    @property
    def sa(self) -> Engine:
        """The SQLAlchemy engine on the same database (built on first use)."""
        with self._lock:
            if self._sa is None:
                self._sa = self._build_sa()
            return self._sa

    def connect(self) -> Connection:
        return self.sa.connect()

    def begin(self) -> AbstractContextManager[Connection]:
        return self.sa.begin()

    def execution_options(self, **options: Any) -> Engine:
        return self.sa.execution_options(**options)

    def dispose(self) -> None:
        """Close every idle connection (and the engine's pool, if it was built)."""
        with self._lock:
            idle, self._idle = self._idle, []
            sa = self._sa
        for conn in idle:
            with suppress(Exception):
                conn.close()
        if sa is not None:
            sa.dispose()

    # ------------------------------------------------------------ driver connections

    def raw_connection(self) -> Any:
        """A driver connection (``.dbapi_connection``; ``.close()`` gives it back)."""
        if self._connect is None:
            return self.sa.raw_connection()
        conn = None
        with self._lock:
            if self._idle:
                conn = self._idle.pop()
        if conn is not None and not self._alive(conn):
            with suppress(Exception):
                conn.close()
            conn = None
        return Pooled(self, conn if conn is not None else self._connect())

    def _give_back(self, conn: Any) -> None:
        try:
            if self.dialect.name == "sqlite":
                if conn.in_transaction:
                    conn.rollback()
            elif conn.closed or conn.broken:
                return
            elif conn.info.transaction_status != 0:  # not idle: end what is left
                conn.rollback()
        except Exception:
            with suppress(Exception):
                conn.close()
            return
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _alive(self, conn: Any) -> bool:
        """Whether an idle connection still works (a restarted server leaves it
        broken). On PostgreSQL this begins its next transaction (every connection lent
        runs one: :func:`workflow.store.sql.read` and ``write``), so that the check
        costs no round trip of its own: the BEGIN the driver would send before the
        first statement is sent here, and answered."""
        if self.dialect.name == "sqlite":
            return True
        if conn.closed or conn.broken:
            return False
        from psycopg import pq

        try:
            begun = conn.pgconn.exec_(b"BEGIN READ ONLY" if self.read_only else b"BEGIN")
        except Exception:
            return False
        return bool(begun.status == pq.ExecStatus.COMMAND_OK)

    def _sqlite(self) -> Any:
        import sqlite3
        from urllib.parse import quote

        path = self.url.database
        writable = not (self.read_only or self.immutable)
        if writable:
            conn = sqlite3.connect(path, timeout=float(busy_seconds()), check_same_thread=False)
        else:
            flags = "mode=ro" + ("&immutable=1" if self.immutable else "")
            target = f"file:{quote(str(Path(path).resolve()))}?{flags}"
            conn = sqlite3.connect(target, timeout=float(busy_seconds()), check_same_thread=False, uri=True)
        try:
            prepare_sqlite(conn, writable)
        except BaseException:
            conn.close()
            raise
        return conn

    def _postgresql(self) -> Any:
        import psycopg

        conn = psycopg.connect("postgresql://" + self._url_text.split("://", 1)[1])
        if self.read_only:
            conn.read_only = True
        return conn
