"""A least-privilege PostgreSQL role for the application (``workflow db app-role``).

The role may read and append audit events but never UPDATE, DELETE or TRUNCATE them
(the triggers refuse those too; the role makes it a matter of privilege, so that even a
session that drops a trigger cannot, since only the tables' owner may). On the
projection tables it has what the service needs: read, insert, update and delete. The
schema's owner (the account that ran ``init`` / ``db upgrade``) keeps DDL."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import text

from workflow.errors import BadInput
from workflow.i18n import tr

if TYPE_CHECKING:
    from workflow.store.connect import Database

APPEND_ONLY = ("event",)
"""Tables the role may only read and append to."""
READ_ONLY = ("alembic_version",)
"""Tables the role may only read."""

NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _tables(engine: Database, schema: str) -> list[str]:
    from sqlalchemy import inspect

    return sorted(inspect(engine.sa).get_table_names(schema=schema))


def statements(engine: Database, name: str, login: bool = True) -> list[str]:
    """The SQL that creates ``name`` with exactly the privileges the app needs."""
    if engine.dialect.name != "postgresql":
        raise BadInput(
            tr(
                "应用角色只用于 PostgreSQL；SQLite 由文件权限保护（见 README）",
                "an application role is for PostgreSQL only; a SQLite file is protected by its file permissions "
                "(see the README)",
            )
        )
    if not NAME.fullmatch(name):
        raise BadInput(
            tr(
                "角色名「{n}」无效：应为小写字母、数字和下划线，以字母或下划线开头，最长63个字符",
                "invalid role name '{n}': use lower-case letters, digits and underscores, starting with a letter "
                "or an underscore, at most 63 characters",
                n=name,
            )
        )
    with engine.connect() as conn:
        schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
        database = str(conn.execute(text("SELECT current_database()")).scalar_one())
    q = f'"{schema}"'
    out = [
        f"CREATE ROLE {name} {'LOGIN' if login else 'NOLOGIN'} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT",
        f'GRANT CONNECT ON DATABASE "{database}" TO {name}',
        f"GRANT USAGE ON SCHEMA {q} TO {name}",
    ]
    for table in _tables(engine, schema):
        t = f'{q}."{table}"'
        if table in APPEND_ONLY:
            out.append(f"GRANT SELECT, INSERT ON {t} TO {name}")
        elif table in READ_ONLY:
            out.append(f"GRANT SELECT ON {t} TO {name}")
        else:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {name}")
        out.append(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON {t} FROM {name}")
    out.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {q} TO {name}")
    out.append(f"ALTER ROLE {name} SET search_path = {q}")
    return out


def create(engine: Database, name: str) -> list[str]:
    """Run :func:`statements` in one transaction; the statements run."""
    stmts = statements(engine, name)
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
        if exists:
            raise BadInput(tr("角色「{n}」已存在", "role '{n}' already exists", n=name))
        for stmt in stmts:
            conn.execute(text(stmt))
    return stmts
