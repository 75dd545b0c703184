"""The statements on every change's path, run on the driver's own cursor.

A change of a township is a handful of small statements; through SQLAlchemy each costs
five to ten times what the driver does, which would dominate an advance. So these few
statements are plain SQL with named parameters (rewritten for drivers that use
``%(name)s``), run inside the transaction that a session began, or on a connection
taken from the pool for a step (:func:`write`), which spares the session's own
begin and commit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from itertools import count
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from workflow.store.errors import mapped

if TYPE_CHECKING:
    from sqlmodel import Session

    from workflow.store.connect import Database

# The fields an event's hash covers, in the order the event table stores them.
HASHED_FIELDS = (
    "chain",
    "seq",
    "township_id",
    "kind",
    "from_stage",
    "to_stage",
    "actor",
    "recorded_at",
    "effective_date",
    "note",
    "payload",
    "prev_hash",
)

_STREAMS = count(1)

PUT_GATE_STATE = (
    "INSERT INTO gatestate (township_id, version, final, failing, waived, valid_until) "
    "VALUES (:tid, :version, :final, :failing, :waived, :until) "
    "ON CONFLICT (township_id) DO UPDATE SET version = excluded.version, final = excluded.final, "
    "failing = excluded.failing, waived = excluded.waived, valid_until = excluded.valid_until"
)
"""A township's next gate as its change leaves it (see ``workflow.store.tables.GateState``)."""
GATE_EXPIRED = dt.date(1, 1, 1)
"""``gatestate.valid_until`` of a stored state that no longer holds whatever the day (rules
changed, or a state left by an older release): the lists find it by the index on
``valid_until`` and evaluate that township again."""

TOWN_COLUMNS = "id, name, district_id, stage, stage_since, version, head_hash, updated_at, updated_by"

TOWN_BY_ID = f"SELECT {TOWN_COLUMNS} FROM township WHERE id = :id"
TOWN_FOR_UPDATE = f"{TOWN_BY_ID} FOR UPDATE"
TOWN_BY_NAME = f"SELECT {TOWN_COLUMNS} FROM township WHERE name = :name ORDER BY id LIMIT 20"
TOWN_BY_DISTRICT_AND_NAME = (
    f"SELECT {', '.join('t.' + c.strip() for c in TOWN_COLUMNS.split(','))} FROM township t "
    "JOIN district d ON d.id = t.district_id WHERE d.name = :district AND t.name = :name"
)
ROLE_AND_ASSIGNED = (
    "SELECT u.role, EXISTS (SELECT 1 FROM usertownship ut WHERE ut.user_id = u.id AND ut.township_id = :tid) "
    'FROM "user" u WHERE u.name = :actor AND NOT u.disabled'
)
RECORDS = (
    "SELECT 'f', name, data FROM fact WHERE township_id = :tid "
    "UNION ALL SELECT 'w', check_id, reason FROM waiver WHERE township_id = :tid "
    "UNION ALL SELECT 'v', CAST(id AS VARCHAR(20)), opened_note FROM violation "
    "WHERE township_id = :tid AND status = 'open' "
    "UNION ALL SELECT 'd', fact, CAST(count(*) AS VARCHAR(20)) FROM attachment WHERE township_id = :tid "
    "GROUP BY fact"
)
BUMP = (
    "UPDATE township SET version = version + 1, updated_at = :now, updated_by = :actor, head_hash = :head "
    "WHERE id = :id AND version = :expected"
)
BUMP_AND_MOVE = (
    "UPDATE township SET version = version + 1, updated_at = :now, updated_by = :actor, head_hash = :head, "
    "stage = :stage, stage_since = :since WHERE id = :id AND version = :expected"
)
EVENT_COLUMNS = (*HASHED_FIELDS, "hash")
INSERT_EVENT = (
    f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join(':' + c for c in EVENT_COLUMNS)}) "
    "RETURNING id"
)


@dataclass(slots=True)
class TownRow:
    """A township as read for a change or a status (not attached to any session)."""

    id: int
    name: str
    district_id: int
    stage: str
    stage_since: dt.date | None
    version: int
    head_hash: str
    updated_at: str
    updated_by: str


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An audit event as written (the same fields as the ``event`` table)."""

    id: int
    chain: str
    seq: int
    township_id: int | None
    kind: str
    from_stage: str | None
    to_stage: str | None
    actor: str
    recorded_at: str
    effective_date: dt.date
    note: str
    payload: str
    prev_hash: str
    hash: str


def date_of(value: Any) -> Any:
    """A date column as the driver returned it, as a date (SQLite keeps ISO text);
    None stays None."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@cache
def _pyformat(sql: str) -> str:
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


class Raw:
    """Plain SQL on a driver connection: a session's current transaction (use
    :func:`raw`) or a connection of its own for one step (use :func:`write`)."""

    def __init__(self, dbapi: Any, dialect: Any) -> None:
        self.dbapi = dbapi
        self.errors: type[Exception] = dialect.loaded_dbapi.Error
        """The driver's errors: raised as they are, mapped by :func:`mapped` around
        every transaction (:func:`read`, :func:`write`, the sessions)."""
        self.sqlite = dialect.name == "sqlite"
        self.named = dialect.paramstyle in ("named", "qmark")

    def commit(self) -> None:
        self.dbapi.commit()

    def rollback(self) -> None:
        self.dbapi.rollback()

    def sql(self, text: str) -> str:
        return text if self.named else _pyformat(text)

    def date(self, value: dt.date | None) -> Any:
        """A date as this driver stores it (SQLAlchemy keeps ISO text on SQLite)."""
        if value is None:
            return None
        return value.isoformat() if self.sqlite else value

    def _execute(self, cur: Any, text: str, params: Mapping[str, Any]) -> None:
        cur.execute(self.sql(text), params)

    def all(self, text: str, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        cur = self.dbapi.cursor()
        try:
            self._execute(cur, text, params)
            return list(cur.fetchall())
        finally:
            cur.close()

    def one(self, text: str, params: Mapping[str, Any]) -> Sequence[Any] | None:
        rows = self.all(text, params)
        return rows[0] if rows else None

    def run(self, text: str, params: Mapping[str, Any]) -> int:
        """Execute; the number of rows changed."""
        cur = self.dbapi.cursor()
        try:
            self._execute(cur, text, params)
            return int(cur.rowcount)
        finally:
            cur.close()

    def many(self, text: str, params: Iterable[Mapping[str, Any]]) -> None:
        """Execute once per parameter set (the driver's executemany; ``params`` may be
        a generator, so that a large insert never holds every set at once)."""
        cur = self.dbapi.cursor()
        try:
            cur.executemany(self.sql(text), params)
        finally:
            cur.close()

    def stream(self, text: str, params: Mapping[str, Any], size: int = 2000) -> Iterator[Sequence[Any]]:
        """The rows of a query, ``size`` at a time, in constant memory (SQLite's cursor
        streams; on PostgreSQL a server-side cursor, inside the transaction)."""
        # on PostgreSQL each stream its own named cursor: several may be open at once
        cur = self.dbapi.cursor() if self.sqlite else self.dbapi.cursor(name=f"wf_stream_{next(_STREAMS)}")
        try:
            self._execute(cur, text, params)
            while batch := cur.fetchmany(size):
                yield from batch
        finally:
            cur.close()

    def town(self, row: Sequence[Any]) -> TownRow:
        return TownRow(row[0], row[1], row[2], row[3], date_of(row[4]), row[5], row[6] or "", row[7], row[8])


class Town(Protocol):
    """What the service needs of a township: a :class:`TownRow` or a ``Township``."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def district_id(self) -> int: ...

    stage: str
    stage_since: dt.date | None
    version: int
    head_hash: str


Db: TypeAlias = "Session | Raw"
"""Where a read or a change runs: a session, or a connection of its own."""


def raw(db: Db) -> Raw:
    """The :class:`Raw` of a session's current transaction (made once per session), or
    ``db`` itself."""
    if isinstance(db, Raw):
        return db
    conn = db.connection()
    found = db.info.get("workflow_raw")
    if found is None or found.dbapi is not conn.connection.dbapi_connection:
        found = db.info["workflow_raw"] = Raw(conn.connection.dbapi_connection, conn.dialect)
    return found


@contextmanager
def read(engine: Database) -> Iterator[Raw]:
    """One read transaction on a pooled driver connection; nothing is written. On
    SQLite its statements share one snapshot; on PostgreSQL (read committed) each sees
    what was committed when it began, as a session's reads do."""
    with _transaction(engine, write=False) as db:
        yield db


@contextmanager
def write(engine: Database) -> Iterator[Raw]:
    """One write transaction on a pooled driver connection: committed at the end,
    rolled back on error. SQLite takes the write lock at BEGIN, as write sessions do,
    so that a second writer waits instead of failing on a stale snapshot."""
    with _transaction(engine, write=True) as db:
        yield db


@contextmanager
def _transaction(engine: Database, write: bool) -> Iterator[Raw]:
    with mapped(engine.url):
        fairy = engine.raw_connection()
    try:
        db = Raw(fairy.dbapi_connection, engine.dialect)
        if db.sqlite:
            with mapped(engine.url):
                db.run("BEGIN IMMEDIATE" if write else "BEGIN", {})
        committed = False
        try:
            with mapped(engine.url):
                yield db
                if write:
                    db.commit()
                    committed = True
        finally:
            if not committed:
                with suppress(Exception):  # keep the error that got us here, if any
                    db.rollback()
    finally:
        fairy.close()
