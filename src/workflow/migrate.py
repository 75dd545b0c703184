"""The schema is managed with Alembic: ``init`` and ``db upgrade`` run the revisions
in ``workflow/migrations``; every other command only compares the stored revision
with :data:`HEAD` (no Alembic import on the hot path)."""

from __future__ import annotations

from importlib import resources

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

HEAD = "0002"


def _config(connection: object) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("workflow") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating it from nothing if empty)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)  # type: ignore[arg-type]


def script_head() -> str:
    """The newest revision in the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config(None)).get_current_head()  # type: ignore[arg-type]
    return str(head)


def current(engine: Engine) -> str | None:
    """The database's revision, or None for an unmanaged or empty database."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
