"""Who is acting, on which database, under which process definition: what a front end
needs before it shows anything. Everything here runs plain SQL on SQLAlchemy Core, so
a screen can show its first rows before the ORM (sqlmodel) and the service are
loaded; :meth:`Access.reads` gives the township reads that need no ORM either, and
:meth:`Access.service` loads the service when a front end first needs it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from workflow import hotpath as hot
from workflow.definition import Definition
from workflow.errors import BadInput, NotPermitted
from workflow.i18n import Text, tr

if TYPE_CHECKING:
    from workflow.reads import Reads
    from workflow.service import Service

ROLE_LABELS = {
    "coordinator": Text("协调员", "coordinator"),
    "reviewer": Text("审核人", "reviewer"),
    "auditor": Text("审计员", "auditor"),
    "admin": Text("管理员", "admin"),
}

ACTOR = (
    'SELECT u.role, ut.township_id, u.disabled FROM "user" u LEFT JOIN usertownship ut ON ut.user_id = u.id '
    "WHERE u.name = :name"
)


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting user with the townships assigned to them."""

    name: str
    role: str
    townships: frozenset[int]


def unknown_user(name: str) -> NotPermitted:
    return NotPermitted(
        tr(
            "用户「{u}」不存在：请管理员用 workflow user add 添加",
            "user '{u}' does not exist: an admin adds users with 'workflow user add'",
            u=name,
        )
    )


def db_error(e: Exception) -> BadInput:
    """A database error as the user sees it (the driver's first line)."""
    return BadInput(
        tr("数据库错误：{e}", "database error: {e}", e=str(getattr(e, "orig", e)).splitlines()[0])
    )


@dataclass(eq=False)
class Access:
    """A database, an acting user and a definition; the service built on first use."""

    engine: Engine
    actor_name: str
    definition: Definition
    today: Callable[[], dt.date] = dt.date.today
    _service: Service | None = field(default=None, repr=False)
    _reads: Reads | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, service: Service) -> Access:
        """The access of a service that already exists."""
        return cls(service.engine, service.actor_name, service.definition, service.today, service)

    def service(self) -> Service:
        """The service on the same database, user and definition (built once; the
        first call imports the ORM)."""
        with self._lock:
            if self._service is None:
                from workflow.service import Service

                self._service = Service(self.engine, self.actor_name, self.definition, self.today)
            return self._service

    def reads(self) -> Reads:
        """Reads of townships (gate checks, status) without the ORM: the service if it
        is already built, else a :class:`Reads` on the same database."""
        with self._lock:
            if self._service is not None:
                return self._service
            if self._reads is None:
                from workflow.reads import Reads

                self._reads = Reads(self.engine, self.actor_name, self.definition, self.today)
            return self._reads

    def check(self) -> Actor:
        """Refuse a database that is not initialised or at another schema revision, and
        a user it does not know; the acting user."""
        from workflow.store import check_schema

        check_schema(self.engine)
        return self.actor()

    def actor(self) -> Actor:
        """The acting user, read in one query (a user the database does not know is
        refused)."""
        try:
            with hot.read(self.engine) as db:
                return actor_of(db, self.actor_name)
        except DBAPIError as e:
            raise db_error(e) from e


def actor_of(db: hot.Db, name: str) -> Actor:
    """The user ``name`` with their townships, read on ``db``."""
    rows = hot.raw(db).all(ACTOR, {"name": name})
    if not rows:
        raise unknown_user(name)
    if rows[0][2]:  # disabled: refused at once, in a running UI too
        from workflow.auth import disabled

        raise disabled(name)
    return Actor(name, str(rows[0][0]), frozenset(int(r[1]) for r in rows if r[1] is not None))
