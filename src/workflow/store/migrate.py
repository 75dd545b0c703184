"""The schema is managed with Alembic: ``init`` and ``db upgrade`` run the revisions
in ``workflow/migrations``; every other command only compares the stored revision
with :data:`HEAD` (no Alembic import on the hot path)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING

from workflow.store.errors import mapped

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from workflow.store.connect import Database

HEAD = "0011"


def _config(connection: object) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("workflow.store") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _migrating(engine: Database) -> Iterator[Connection]:
    """A transaction for migrations; on SQLite with foreign keys off, since batch
    migrations copy tables (set on the raw connection, outside any transaction)."""
    with mapped(engine.url), engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                yield conn
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def upgrade(engine: Database, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating it from nothing if empty)."""
    from alembic import command

    with _migrating(engine) as conn:
        command.upgrade(_config(conn), revision)  # type: ignore[arg-type]


def downgrade(engine: Database, revision: str) -> None:
    """Take the database back to ``revision`` (used to test upgrades)."""
    from alembic import command

    with _migrating(engine) as conn:
        command.downgrade(_config(conn), revision)  # type: ignore[arg-type]


def script_head() -> str:
    """The newest revision in the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(None)).get_current_head()  # type: ignore[arg-type]
    return str(head)


def current(engine: Database) -> str | None:
    """The database's revision, or None for an unmanaged or empty database."""
    with mapped(engine.url):
        from sqlalchemy import inspect, text

        if not inspect(engine.sa).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
