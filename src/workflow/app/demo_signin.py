"""Signing in on a demo database without a password. A database is a demo only when
the first event of its system chain (``init``) says so, which only ``workflow demo``
and ``workflow tui --demo`` write when they create the database; any other database
refuses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from workflow.app import auth
from workflow.errors import NotPermitted
from workflow.i18n import tr
from workflow.store import sql as hot

if TYPE_CHECKING:
    from workflow.store.connect import Database

DEMO_ADMIN = "admin"


def is_demo(engine: Database) -> bool:
    """Whether the database was created as a demo (its system chain's first event)."""
    with hot.read(engine) as db:
        row = hot.raw(db).one("SELECT kind, payload FROM event WHERE chain = 'system' AND seq = 1", {})
    if row is None or row[0] != "init":
        return False
    try:
        return json.loads(row[1] or "{}").get("demo") is True
    except ValueError:
        return False


def demo_sign_in(
    engine: Database, name: str, hours: float = auth.SESSION_HOURS, save: bool = True
) -> auth.SignedIn:
    """Sign in as a demo user without a password; refused on any other database."""
    if not is_demo(engine):
        raise NotPermitted(
            tr(
                "这不是演示数据库：请用密码登录（workflow login）",
                "this is not a demo database: sign in with a password (workflow login)",
            )
        )
    return auth.sign_in(engine, name, "", hours=hours, without_password=True, save=save)
