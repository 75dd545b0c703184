"""The statements on every change's path, run on the driver's own cursor.

A change of a township is a handful of small statements; through SQLAlchemy each costs
five to ten times what the driver does, which would dominate an advance. So these few
statements are plain SQL with named parameters (rewritten for drivers that use
``%(name)s``), run inside the transaction that a session began, or on a connection
taken from the pool for a step (:func:`write`), which spares the session's own
begin and commit."""

from __future__ import annotations

import datetime as dt
import json
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
HOLDS = "g.version = t.version AND (g.valid_until IS NULL OR g.valid_until > {today})"
"""The township's (``t``) stored gate state (``g``) holds: stored at its version, and not
past a day on which a check's result may change by the calendar alone."""
FRESH = "SELECT 1 FROM gatestate g WHERE g.township_id = t.id AND " + HOLDS
"""A subquery: the township's (``t``) stored gate state holds (see :data:`HOLDS`)."""
READY = "g.failing = 0 AND g.final = false"
"""The stored gate state ``g`` says ready: a next stage, no check failing (both columns of
the state's index)."""
GATE_EXPIRED = dt.date(1, 1, 1)
"""``gatestate.valid_until`` of a stored state that no longer holds whatever the day (rules
changed, or a state left by an older release): the lists find it by the index on
``valid_until`` and evaluate that township again."""

TOWN_COLUMNS = "id, name, district_id, stage, stage_since, version, head_hash, updated_at, updated_by"

TOWN_BY_ID = f"SELECT {TOWN_COLUMNS} FROM township WHERE id = :id"
TOWN_FOR_CHANGE = (
    f"SELECT {', '.join('t.' + c.strip() for c in TOWN_COLUMNS.split(','))}, u.role, "
    "EXISTS (SELECT 1 FROM usertownship ut WHERE ut.user_id = u.id AND ut.township_id = t.id) "
    'FROM township t LEFT JOIN "user" u ON u.name = :actor AND NOT u.disabled WHERE t.id = :id'
)
"""A township about to change, with the acting user's role (None: no such user, or
disabled) and whether the township is assigned to them, in one round trip (on
PostgreSQL with ``FOR UPDATE OF t``: see :meth:`Raw.for_change`)."""
TOWN_BY_NAME = f"SELECT {TOWN_COLUMNS} FROM township WHERE name = :name ORDER BY id LIMIT 20"
TOWN_BY_DISTRICT_AND_NAME = (
    f"SELECT {', '.join('t.' + c.strip() for c in TOWN_COLUMNS.split(','))} FROM township t "
    "JOIN district d ON d.id = t.district_id WHERE d.name = :district AND t.name = :name"
)
RECORDS = (
    "SELECT township_id, 'f', name, data FROM fact WHERE {tid} "
    "UNION ALL SELECT township_id, 'w', check_id, reason FROM waiver WHERE {tid} "
    "UNION ALL SELECT township_id, 'v', CAST(id AS VARCHAR(20)), opened_note FROM violation "
    "WHERE {tid} AND status = 'open' "
    "UNION ALL SELECT township_id, 'd', fact, CAST(count(*) AS VARCHAR(20)) FROM attachment "
    "WHERE {tid} GROUP BY township_id, fact"
)
"""The facts, waivers, open violations and documents of some townships in one round
trip (``{tid}``: ``township_id`` is one of them, see :meth:`Raw.one_of`)."""
ROSTERS = (
    "SELECT r.township_id, r.kind, r.lines, e.payload FROM roster r LEFT JOIN event e ON e.id = r.event_id "
    "WHERE {tid} AND {kind}"
)
"""The rosters of some kinds of some townships (``{tid}`` on ``r.township_id``, ``{kind}``
on ``r.kind``): each its own lines, or else the payload of the event that carries them
(see :func:`workflow.domain.rosters.stored_lines`)."""
IN_CHUNK = 500
"""Townships per bulk read: a read of more runs one query per chunk (bounded memory)."""
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


def with_gate_state(insert: str) -> str:
    """``insert`` (an event's) and :data:`PUT_GATE_STATE` in one statement (PostgreSQL;
    SQLite, where a statement costs no round trip, runs the two)."""
    return f"WITH gate AS ({PUT_GATE_STATE}) {insert}"


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

    def for_change(self) -> str:
        """:data:`TOWN_FOR_CHANGE` as this database runs it: on PostgreSQL the row is
        locked, so that a concurrent change of the township is waited for and its row
        read as that change left it (SQLite's write lock, taken at BEGIN, does this)."""
        return TOWN_FOR_CHANGE if self.sqlite else f"{TOWN_FOR_CHANGE} FOR UPDATE OF t"

    def one_of(self, column: str, name: str) -> str:
        """SQL: ``column`` is one of the values bound to ``name`` as :meth:`values`
        makes them (one parameter however many: a JSON array read by ``json_each`` on
        SQLite, an array on PostgreSQL)."""
        if self.sqlite:
            return f"{column} IN (SELECT value FROM json_each(:{name}))"
        return f"{column} = ANY(:{name})"

    def values(self, values: Iterable[Any]) -> Any:
        """Values bound as one parameter for :meth:`one_of`."""
        return json.dumps(list(values)) if self.sqlite else list(values)

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

    def compress_fast(self) -> None:
        """On PostgreSQL, the large values this transaction writes compressed with lz4
        where the server has it (the default, pglz, takes seconds over a roster
        import's tens of megabytes, inside the write transaction); reading is the same
        for either. Nothing elsewhere, nor on a server without lz4."""
        if self.sqlite:
            return
        self.all(
            "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
            "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
            {},
        )

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows, each a tuple of ``columns``' values (``rows`` may be a
        generator): PostgreSQL's COPY, one stream of rows with no statement per row;
        on SQLite one prepared statement, its positional parameters bound in C."""
        names = ", ".join(columns)
        cur = self.dbapi.cursor()
        try:
            if self.sqlite:
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
                return
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
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
