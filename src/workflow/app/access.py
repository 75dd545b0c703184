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

from workflow.app.actors import Actor, actor_of
from workflow.domain.definition import Definition
from workflow.store import sql as hot

if TYPE_CHECKING:
    from workflow.app.reads import Reads
    from workflow.app.service import Service
    from workflow.ledger.witness import Witness
    from workflow.store.connect import Database


@dataclass(eq=False)
class Access:
    """A database, an acting user and a definition; the service built on first use."""

    engine: Database
    actor_name: str
    definition: Definition
    today: Callable[[], dt.date] = dt.date.today
    _service: Service | None = field(default=None, repr=False)
    _reads: Reads | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    witness: Witness | None = field(default=None, repr=False)
    """This machine's memory of the chains it reads and writes (the TUI sets one)."""

    @classmethod
    def of(cls, service: Service) -> Access:
        """The access of a service that already exists."""
        return cls(
            service.engine,
            service.actor_name,
            service.definition,
            service.today,
            service,
            witness=service.witness,
        )

    def service(self) -> Service:
        """The service on the same database, user and definition (built once; the
        first call imports the ORM)."""
        with self._lock:
            if self._service is None:
                from workflow.app.service import Service

                self._service = Service(
                    self.engine, self.actor_name, self.definition, self.today, witness=self.witness
                )
            return self._service

    def reads(self) -> Reads:
        """Reads of townships (gate checks, status) without the ORM: the service if it
        is already built, else a :class:`Reads` on the same database."""
        with self._lock:
            if self._service is not None:
                return self._service
            if self._reads is None:
                from workflow.app.reads import Reads

                self._reads = Reads(
                    self.engine, self.actor_name, self.definition, self.today, witness=self.witness
                )
            return self._reads

    def check(self) -> Actor:
        """Refuse a database that is not initialised or at another schema revision, and
        a user it does not know; the acting user."""
        from workflow.store.db import check_schema

        check_schema(self.engine)
        return self.actor()

    def actor(self) -> Actor:
        """The acting user, read in one query (a user the database does not know is
        refused)."""
        with hot.read(self.engine) as db:
            return actor_of(db, self.actor_name)
