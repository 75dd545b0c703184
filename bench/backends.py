"""Where the bench's databases live, and the plain driver's connection to one.

A database is named either by a SQLite file (a :class:`~pathlib.Path`) or by a
PostgreSQL URL (a ``str``, ``postgresql://`` or ``postgresql+psycopg://``); every floor
takes either and opens it with the plain driver (the standard library's sqlite3, or
psycopg), so that each figure has one floor and two drivers.

- :class:`SQLiteFiles`: generated files ``towns-N.<generation>.db`` in the work folder (built if
  missing, kept between runs); scratch copies are copies of the file beside it,
  removed when done with.
- :class:`PostgresServer`: on the server of the URL given (which may be shared: only
  databases whose names start with ``workflow_bench_`` are ever created, changed or
  dropped, and the server is never restarted), the generated databases
  ``workflow_bench_N`` (built if missing into ``workflow_bench_N_building`` and then
  renamed, so that a database of that name is always complete; marked with a comment
  naming bench/generate.py's version, and built again when that or the schema
  revision is not the current one; kept between runs, like the SQLite files: drop
  them with ``dropdb`` to free the space); scratch copies
  ``CREATE DATABASE workflow_bench_N_scratch_WHAT TEMPLATE workflow_bench_N``, dropped
  when done with and at the end of the run, also when it fails.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

Db = Path | str
"""A SQLite file or a PostgreSQL URL."""

GENERATION = "v7"
"""The version of bench/generate.py's data: part of the SQLite files' names and of the
PostgreSQL databases' comments (a change of the generated data changes it)."""


def is_pg(db: Db) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


def sa_url(db: Db) -> str:
    """The URL our program opens (``WORKFLOW_DB``, ``open_engine``)."""
    if is_pg(db):
        return "postgresql+psycopg://" + str(db).split("://", 1)[1]
    return f"sqlite:///{db}"


def libpq_url(db: Db) -> str:
    """The URL psycopg and psql open."""
    if not is_pg(db):
        raise ValueError(f"{db}: not a PostgreSQL URL (expected postgresql://...)")
    return "postgresql://" + str(db).split("://", 1)[1]


def shown(db: Db) -> str:
    """``db`` for messages: a PostgreSQL URL without its password."""
    if not is_pg(db):
        return str(db)
    from sqlalchemy.engine import make_url

    return make_url(libpq_url(db)).render_as_string(hide_password=True)


class Plain:
    """The plain driver on ``db``: sqlite3 for a file (read-only with ``read_only``, in
    autocommit mode otherwise), psycopg for a URL (autocommit: ``BEGIN`` and ``COMMIT``
    are sent as SQL, as to sqlite3). SQL is written with ``?`` placeholders."""

    def __init__(self, db: Db, *, read_only: bool = False) -> None:
        self.pg = is_pg(db)
        self._lite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[tuple[Any, ...]] | None = None
        if self.pg:
            import psycopg

            self._pg = psycopg.connect(libpq_url(db), autocommit=True)
            if read_only:
                self._pg.read_only = True
        elif read_only:
            self._lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        else:
            self._lite = sqlite3.connect(db, isolation_level=None, timeout=30)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql``; the rows it returns (none for a statement without rows)."""
        if self._pg is not None:
            cur = self._pg.execute(self._sql(sql), params)
            return cur.fetchall() if cur.description is not None else []
        assert self._lite is not None
        return self._lite.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        rows = self.execute(sql, params)
        if not rows:
            raise LookupError(f"no row for {sql!r} {tuple(params)!r}")
        return rows[0]

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 2000) -> Iterator[tuple[Any, ...]]:
        """The rows of ``sql`` as they come: sqlite3's cursor, or on PostgreSQL a
        server-side cursor fetching ``size`` rows at a time (in a transaction of its
        own)."""
        if self._pg is not None:
            with self._pg.transaction(), self._pg.cursor(name="bench_floor") as cur:
                cur.itersize = size
                cur.execute(self._sql(sql), params)
                yield from cur
            return
        assert self._lite is not None
        yield from self._lite.execute(sql, params)

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
        if self._lite is not None:
            self._lite.close()

    def __enter__(self) -> Plain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _generate(url: str, n: int) -> None:
    import json

    from generate import generate

    print(f"generating {n} townships into {shown(url) if is_pg(url) else url} ...", file=sys.stderr)
    print(f"  {json.dumps(generate(url, n, quiet=True))}", file=sys.stderr)


class SQLiteFiles:
    """Generated SQLite files in ``work`` and scratch copies of them."""

    name = "SQLite"
    driver = "sqlite3"
    key = "sqlite"

    def __init__(self, work: Path) -> None:
        self.work = work
        self.scratches: list[Path] = []

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL), files in {self.work}"

    def database(self, n: int) -> Path:
        """The generated file of ``n`` townships, built if missing."""
        path = self.work / f"towns-{n}.{GENERATION}.db"
        if path.exists():
            return path
        tmp = path.with_suffix(".tmp.db")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        _generate(f"sqlite:///{tmp}", n)
        con = sqlite3.connect(tmp)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        tmp.rename(path)
        return path

    def scratch(self, n: int, what: str) -> Path:
        """A fresh copy of the database of ``n`` townships, for ``what``."""
        path = self.work / f"towns-{n}.scratch-{what}.db"
        self.drop(path)
        shutil.copy(self.database(n), path)
        self.scratches.append(path)
        return path

    def empty(self, what: str) -> Path:
        """A database with nothing in it yet (a file not there), for ``what``."""
        path = self.work / f"empty.scratch-{what}.db"
        self.drop(path)
        self.scratches.append(path)
        return path

    def drop(self, db: Db) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        for path in self.scratches:
            self.drop(path)
        self.scratches.clear()


PREFIX = "workflow_bench_"
"""Every database this bench creates on a PostgreSQL server is named so."""


class PostgresServer:
    """Generated databases and scratch copies on the PostgreSQL server of ``server``
    (a URL of any database on it, used to connect for CREATE and DROP DATABASE, a
    connection at a time, never held). ``prefix`` begins the name of every database it
    creates (the tests use one of their own)."""

    name = "PostgreSQL"
    driver = "psycopg"
    key = "pg"

    def __init__(self, server: str, prefix: str = PREFIX) -> None:
        from sqlalchemy.engine import make_url

        if not prefix.startswith(PREFIX):
            raise ValueError(f"{prefix!r}: the bench's databases are named {PREFIX}*")
        self.server = make_url(libpq_url(server))
        self.prefix = prefix
        self.scratches: list[str] = []
        self.built: dict[int, str] = {}

    def url(self, database: str) -> str:
        if not database.startswith(self.prefix):
            raise ValueError(f"{database}: the bench touches only databases named {self.prefix}*")
        return self.server.set(database=database).render_as_string(hide_password=False)

    def _admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        import psycopg

        return psycopg.connect(self.server.render_as_string(hide_password=False), autocommit=True)

    def describe(self) -> str:
        with self._admin() as conn:
            version = conn.execute("SHOW server_version").fetchone()
        host = f"{self.server.host or 'localhost'}:{self.server.port or 5432}"
        return (
            f"PostgreSQL {str(version[0]).split()[0] if version else '?'} at {host}, databases {self.prefix}*"
        )

    def _exists(self, database: str) -> tuple[bool, str | None]:
        """Whether ``database`` exists, and its comment."""
        with self._admin() as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (database,),
            ).fetchone()
        return (row is not None, row[0] if row else None)

    def _drop(self, database: str) -> None:
        from psycopg import sql

        self.url(database)  # only our own
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))

    def _stale(self, url: str) -> str | None:
        """Why the generated database at ``url`` cannot be used (None if it can)."""
        from workflow.store import migrate
        from workflow.store.db import open_engine

        engine = open_engine(sa_url(url))
        try:
            revision = migrate.current(engine)
        finally:
            engine.dispose()
        head = migrate.script_head()
        return None if revision == head else f"its schema revision is {revision}, the project's is {head}"

    def database(self, n: int) -> str:
        """The URL of the generated database of ``n`` townships, built if missing."""
        from psycopg import sql

        if n in self.built:
            return self.built[n]
        database = f"{self.prefix}{n}"
        mark = f"workflow bench/generate.py {GENERATION}: {n} townships"
        there, comment = self._exists(database)
        if there:
            why = (
                f"its comment is {comment!r}, expected {mark!r}"
                if comment != mark
                else self._stale(self.url(database))
            )
            if why is None:
                self.built[n] = self.url(database)
                return self.built[n]
            print(f"{database}: {why}; generating it again", file=sys.stderr)
            self._drop(database)
        building = f"{database}_building"
        self._drop(building)
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(building)))
        try:
            _generate(self.url(building), n)
            with self._admin() as conn:
                conn.execute(
                    sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                        sql.Identifier(building), sql.Literal(mark)
                    )
                )
                conn.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(building), sql.Identifier(database)
                    )
                )
        except BaseException:
            with contextlib.suppress(Exception):
                self._drop(building)
            raise
        self.built[n] = self.url(database)
        return self.built[n]

    def _copy(self, database: str, template: str | None) -> None:
        """CREATE DATABASE ``database`` (from ``template``), waiting (at most 30 s) for
        the last connections to the template to end (a process just gone leaves its
        server process behind for a moment)."""
        import psycopg
        from psycopg import sql

        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
        if template is not None:
            stmt = sql.SQL("{} TEMPLATE {}").format(stmt, sql.Identifier(template))
        deadline = time.monotonic() + 30
        while True:
            try:
                with self._admin() as conn:
                    conn.execute(stmt)
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    with self._admin() as conn:
                        who = conn.execute(
                            "SELECT pid, application_name, state FROM pg_stat_activity WHERE datname = %s",
                            (template,),
                        ).fetchall()
                    raise RuntimeError(
                        f"CREATE DATABASE {database} TEMPLATE {template}: the template is still in use "
                        f"after 30 s by {who} (every connection to it must be closed first)"
                    ) from None
                time.sleep(0.5)

    def scratch(self, n: int, what: str) -> str:
        """The URL of a fresh copy of the database of ``n`` townships, for ``what``
        (every connection to that database must be closed first)."""
        template = self.database(n).rsplit("/", 1)[1].split("?", 1)[0]
        database = f"{template}_scratch_{what}"
        self._drop(database)
        self.scratches.append(database)
        self._copy(database, template)
        return self.url(database)

    def empty(self, what: str) -> str:
        """The URL of a new empty database, for ``what``."""
        database = f"{self.prefix}scratch_{what}"
        self._drop(database)
        self.scratches.append(database)
        self._copy(database, None)
        return self.url(database)

    def drop(self, db: Db) -> None:
        from sqlalchemy.engine import make_url

        database = make_url(libpq_url(db)).database or ""
        self._drop(database)
        if database in self.scratches:
            self.scratches.remove(database)
        self.built = {n: url for n, url in self.built.items() if url != self.url(database)}

    def close(self) -> None:
        for database in list(self.scratches):
            with contextlib.suppress(Exception):
                self._drop(database)
        self.scratches.clear()


Backend = SQLiteFiles | PostgresServer
