"""Read-only, paged queries behind the dashboard: one page of townships at a time,
progress per district by GROUP BY, and the next gate's state read from the
``gatestate`` table that every change keeps (so "ready" and "blocked" filter by an
indexed column); a state that no longer holds (an older database, a check whose
result the calendar changes) is evaluated for the rows that need it. Nothing here
changes the database; permissions are the service's.

Plain SQL on SQLAlchemy Core (no ORM): the dashboard, gate states included, reads
without loading sqlmodel or the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from workflow.app.access import Access
from workflow.app.actors import Actor, actor_of
from workflow.app.rules import read_scope
from workflow.domain.definition import Definition
from workflow.store import sql as hot

if TYPE_CHECKING:
    from workflow.app.service import Service

SCAN_CHUNK = 200
"""Townships evaluated per round when a filter needs each one's gate state."""

STATE_WORDS: dict[str, tuple[str, ...]] = {
    "overdue": ("逾期", "超期", "overdue", "late"),
    "violation": ("违纪", "举报", "violation", "violations"),
    "waived": ("豁免", "waived", "waiver"),
    "blocked": ("受阻", "未通过", "blocked", "failing"),
    "ready": ("就绪", "可推进", "ready"),
    "mine": ("我的", "mine"),
}
"""Filter words that select by state rather than by name or stage."""
COUNTED_STATES = ("overdue", "violation", "waived", "mine")
"""The states the dashboard counts for the filter typed (one query each)."""
COUNT_CAP = 10_000
"""Matches are counted up to this many, no further ("more than 10,000"): an exact count
of a filter that matches most of a province's townships reads all of them, on every
keystroke, while the list shows 60."""


@dataclass(frozen=True, slots=True)
class TownshipRow:
    """One township as the dashboard lists it (no gate state yet)."""

    id: int
    name: str
    district: str
    stage: str
    stage_since: dt.date | None
    version: int
    open_violations: int
    district_id: int = 0


@dataclass(frozen=True, slots=True)
class GateState:
    """The next gate of one township: how many checks fail, how many are waived."""

    township_id: int
    final: bool
    failing: int
    waived: int

    @property
    def ready(self) -> bool:
        return not self.final and self.failing == 0


@dataclass(frozen=True, slots=True)
class Page:
    """Some rows of a filtered list. ``start`` and ``next_start`` count candidates
    in the filtered order; ``next_start`` is None at the end; ``total`` is how many
    match, counted up to ``COUNT_CAP`` (``more``: more than ``total`` match), None when
    the filter needs gate states that are not stored (a database not upgraded) or the
    page was read without counting (``Dashboard.page(counted=False)``)."""

    rows: list[TownshipRow]
    start: int
    next_start: int | None
    total: int | None
    gates: dict[int, GateState] = field(default_factory=dict)
    definitions: dict[int, Definition] = field(default_factory=dict)
    """District id -> its own definition, for the rows' districts that have one (the
    others run on the default)."""
    more: bool = False
    """More than ``total`` townships match (the count stopped at ``COUNT_CAP``)."""


def shown_total(counted: int, listed: int) -> tuple[int, bool]:
    """The total a list shows of ``counted`` matches (counted up to ``COUNT_CAP + 1``)
    with ``listed`` rows read so far, and whether more than that match."""
    if counted > COUNT_CAP:
        return max(COUNT_CAP, listed), True
    return max(counted, listed), False


@dataclass(frozen=True, slots=True)
class DistrictProgress:
    district: str
    total: int
    by_stage: dict[str, int]


@dataclass(frozen=True, slots=True)
class Progress:
    """The progress summary: some districts one by one, and all added up when not all
    of them are listed (``more`` is how many are not)."""

    districts: list[DistrictProgress]
    overall: DistrictProgress | None
    more: int


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed filter: words matched against name, district and stage, and states."""

    words: tuple[str, ...] = ()
    states: frozenset[str] = frozenset()

    @property
    def needs_gates(self) -> bool:
        return bool(self.states & {"ready", "blocked"})


def parse_query(text: str) -> Query:
    """Split the filter text into name/stage words and state words."""
    words: list[str] = []
    states: set[str] = set()
    for token in text.split():
        low = token.lower()
        state = next((s for s, names in STATE_WORDS.items() if low in names), None)
        if state is None:
            words.append(token)
        else:
            states.add(state)
    return Query(tuple(words), frozenset(states))


def stage_matches(d: Definition, word: str) -> list[str]:
    """Stage ids whose id, Chinese or English name contains ``word``, or whose
    step number it is ("4", "4/8")."""
    low = word.lower()
    n = len(d.working_stages())
    out = []
    for s in d.stages:
        step = f"{s.order}/{n}"
        if low in s.id.lower() or low in s.zh or low in s.en.lower() or low in (str(s.order), step):
            out.append(s.id)
    return out


def days_overdue(d: Definition, stage: str, since: dt.date | None, today: dt.date) -> int | None:
    """Days past the stage's deadline, 0 when on time, None when it has none."""
    if since is None or not d.has_stage(stage):
        return None
    limit = d.stage(stage).deadline_days
    if limit is None or stage == d.final:
        return None
    return max(0, (today - since).days - limit)


class Dashboard:
    """The dashboard's reads, on an :class:`Access` (or a service's)."""

    def __init__(self, source: Access | Service) -> None:
        self.access = source if isinstance(source, Access) else Access.of(source)
        self._loaded: dict[str, Definition] = {}

    def _own_definitions(self, db: hot.Raw) -> dict[int, Definition]:
        """District id -> definition, for the districts whose recorded definition is not
        the shipped one (few: most districts run on the default; each text is parsed
        once per SHA-256)."""
        from workflow.app.definitions import own_definitions

        return own_definitions(db)

    @property
    def definition(self) -> Definition:
        return self.access.definition

    @contextmanager
    def _read(self) -> Iterator[hot.Raw]:
        with hot.read(self.access.engine) as db:
            yield db

    def viewer(self) -> Actor:
        """Who is looking (a database at another schema revision, or a user it does not
        know, is refused)."""
        return self.access.check()

    def progress(self, limit: int = 12) -> Progress:
        """Townships per stage: the first ``limit`` districts (by name) one by one and,
        when there are more, all of them added up (a province has thousands of
        districts; the dashboard shows a summary, not a second list). Held in memory:
        those districts' rows and one row per stage, whatever the number of districts."""
        with self._read() as db:
            scope = read_scope(db, self.access.actor_name).sql("d.id")
            first = db.all(FIRST_DISTRICTS.format(scope=scope, limit=limit + 1), {})
            ids = [int(i) for i, _ in first[:limit]]
            out: dict[str, dict[str, int]] = {name: {} for _, name in first[:limit]}
            if ids:
                w = Where()
                for name, stage, count in db.all(PROGRESS.format(ids=w.params(ids)), w.values):
                    out[name][stage] = int(count)
            if len(first) <= limit:
                return Progress([DistrictProgress(n, sum(c.values()), c) for n, c in out.items()], None, 0)
            overall = {str(stage): int(n) for stage, n in db.all(OVERALL.format(scope=scope), {})}
            counted = db.one(DISTRICTS.format(scope=scope), {})
            districts = int(counted[0]) if counted else 0
        return Progress(
            [DistrictProgress(n, sum(c.values()), c) for n, c in out.items()],
            DistrictProgress("", sum(overall.values()), overall),
            districts - len(out),
        )

    def _where(self, db: hot.Raw, q: Query, actor: Actor, own: dict[int, Definition]) -> Where:
        """The filter as SQL conditions on ``t`` (township) and ``d`` (district); stage
        words, deadlines and the final stage follow each district's definition (``own``:
        the districts with one of their own)."""
        today = self.access.today()
        w = Where()
        for word in q.words:
            like = w.param(f"%{word}%")
            options = [f"t.name LIKE {like}", f"d.name LIKE {like}"]
            in_stage = self._per_definition(w, own, partial(_stage_in, w, word))
            if in_stage:
                options.append(in_stage)
            w.conds.append("(" + " OR ".join(options) + ")")
        if "overdue" in q.states:
            late = self._per_definition(
                w,
                own,
                lambda x: [
                    f"(t.stage = {w.param(s.id)} AND t.stage_since < "
                    f"{w.param(db.date(today - dt.timedelta(days=s.deadline_days)))})"
                    for s in x.working_stages()
                    if s.deadline_days is not None
                ],
            )
            w.conds.append(late or "1 = 0")
        if "violation" in q.states:  # the few townships with one, found from their table
            w.conds.append("t.id IN (SELECT v.township_id FROM violation v WHERE v.status = 'open')")
        if "waived" in q.states:
            w.conds.append("t.id IN (SELECT w.township_id FROM waiver w)")
        if "mine" in q.states:
            w.conds.append(f"t.id IN ({w.params(sorted(actor.townships))})" if actor.townships else "1 = 0")
        if q.needs_gates:
            w.conds.append(self._per_definition(w, own, lambda x: [f"t.stage <> {w.param(x.final)}"]))
        return w

    def _per_definition(
        self, w: Where, own: dict[int, Definition], conds: Callable[[Definition], list[str]]
    ) -> str:
        """``conds`` of each definition in use, each on its own districts' townships,
        joined with OR ('' when there are none)."""
        default = self.definition
        groups: dict[int, tuple[Definition, list[int]]] = {}
        for did, x in own.items():
            if x is not default:
                groups.setdefault(id(x), (x, []))[1].append(did)
        others = sorted(did for _, ids in groups.values() for did in ids)
        parts: list[str] = []
        for x, ids in [(default, others), *groups.values()]:
            found = conds(x)
            if not found:
                continue
            either = "(" + " OR ".join(found) + ")"
            if x is default:
                scope = f"t.district_id NOT IN ({w.params(others)}) AND " if others else ""
            else:
                scope = f"t.district_id IN ({w.params(sorted(ids))}) AND "
            parts.append(f"({scope}{either})")
        return "(" + " OR ".join(parts) + ")" if parts else ""

    def _candidates(
        self, db: hot.Raw, where: Where, start: int, limit: int, sql: str | None = None
    ) -> list[TownshipRow]:
        """The rows from ``start``, at most ``limit``: in the list's order, read by
        district name and then by township id through their indexes, so that reading
        stops at the page's last row instead of sorting every match (``sql``: another
        query with the same columns and order)."""
        ordered = sql or f"{ROWS}{where.sql()} ORDER BY d.name, t.id"
        found = db.all(
            f"{ordered} LIMIT :limit OFFSET :start", where.values | {"limit": limit, "start": start}
        )
        ids = [int(r[0]) for r in found]
        open_counts: dict[int, int] = {}
        if ids:
            marks = ", ".join(f":i{n}" for n in range(len(ids)))
            open_counts = {
                int(tid): int(n)
                for tid, n in db.all(
                    "SELECT township_id, count(*) FROM violation WHERE status = 'open' "
                    f"AND township_id IN ({marks}) GROUP BY township_id",
                    {f"i{n}": i for n, i in enumerate(ids)},
                )
            }
        return [
            TownshipRow(
                int(r[0]),
                r[1],
                r[2],
                r[3],
                hot.date_of(r[4]),
                int(r[5]),
                open_counts.get(int(r[0]), 0),
                int(r[6]),
            )
            for r in found
        ]

    def counts(self, text: str) -> dict[str, int]:
        """How many townships each state word would leave if added to ``text`` (the
        states counted in the database: overdue, violation, waived, mine), each counted
        up to ``COUNT_CAP`` (``COUNT_CAP + 1``: more than that); empty when ``text``
        itself needs gate states."""
        q = parse_query(text)
        if q.needs_gates:
            return {}
        out: dict[str, int] = {}
        with self._read() as db:
            actor = actor_of(db, self.access.actor_name)
            own = self._own_definitions(db)
            for state in COUNTED_STATES:
                where = self._filter(db, Query(q.words, q.states | {state}), actor, own)
                out[state] = self._count(db, f"{_matches(q)}{where.sql()}", where.values)
        return out

    def _filter(self, db: hot.Raw, q: Query, actor: Actor, own: dict[int, Definition]) -> Where:
        """``_where`` and the reader's scope."""
        where = self._where(db, q, actor, own)
        scope = read_scope(db, actor.name)
        if scope.districts is not None:  # a coordinator reads the districts of their townships
            where.conds.append(scope.sql("t.district_id"))
        return where

    @staticmethod
    def _count(db: hot.Raw, source: str, values: dict[str, Any]) -> int:
        """How many rows ``source`` (FROM ... WHERE ...) gives, up to ``COUNT_CAP + 1``."""
        row = db.one(f"SELECT count(*) FROM (SELECT 1 {source} LIMIT {COUNT_CAP + 1}) counted", values)
        return int(row[0]) if row else 0

    def _paged(
        self,
        db: hot.Raw,
        where: Where,
        start: int,
        limit: int,
        own: dict[int, Definition],
        gates: Callable[[list[TownshipRow]], dict[int, GateState]],
        count: Callable[[], int] | None,
        sql: str | None = None,
    ) -> Page:
        """A page of ``limit`` rows from ``start`` (one more is read to know whether the
        list goes on); the matches are counted only when it does (``count``, capped; not
        at all without it: the total is then None)."""
        rows = self._candidates(db, where, start, limit + 1, sql)
        more = len(rows) > limit
        rows = rows[:limit]
        end = start + len(rows)
        shown: int | None = end  # the list ends here: its length is the count
        capped = False
        if more:
            shown, capped = shown_total(count(), end) if count is not None else (None, False)
        return Page(rows, start, end if more else None, shown, gates(rows), own, more=capped)

    def matches(self, text: str) -> int | None:
        """How many townships ``text`` leaves, up to ``COUNT_CAP + 1`` (more than
        ``COUNT_CAP``); None when it needs gate states (its page counts them anyway). The
        count a page read with ``counted=False`` left out."""
        q = parse_query(text)
        if q.needs_gates:
            return None
        with self._read() as db:
            actor = actor_of(db, self.access.actor_name)
            where = self._filter(db, q, actor, self._own_definitions(db))
            return self._count(db, f"{_matches(q)}{where.sql()}", where.values)

    def page(self, text: str, start: int = 0, limit: int = 60, counted: bool = True) -> Page:
        """The townships matching ``text``, from candidate ``start``, at most ``limit``.
        ``counted=False``: a filter that needs no gate states is not counted (the total
        is None when the list goes on; see :meth:`matches`), so that the rows come at
        the cost of reading them alone (counting up to ``COUNT_CAP`` matches by name
        costs several times that, at every keystroke)."""
        q = parse_query(text)
        with self._read() as db:
            actor = actor_of(db, self.access.actor_name)
            own = self._own_definitions(db)
            where = self._filter(db, q, actor, own)
            if not q.needs_gates:
                # the stored states that hold (one indexed query); the rest follow
                return self._paged(
                    db,
                    where,
                    start,
                    limit,
                    own,
                    lambda rows: self._stored(db, [r.id for r in rows]),
                    (lambda: self._count(db, f"{_matches(q)}{where.sql()}", where.values))
                    if counted
                    else None,
                )
            want_ready, want_blocked = "ready" in q.states, "blocked" in q.states
            today = db.date(self.access.today())
            stale_ids = self._stale(db, q, where, today)
            if len(stale_ids) <= STALE_LIMIT:
                # the stored states (an index), and the few stale ones evaluated now
                evaluated = self._evaluate(db, stale_ids)
                also = [i for i, g in evaluated.items() if _wanted(g, want_ready, want_blocked)]
                held = Where(list(where.conds), dict(where.values))
                held.conds.append(
                    f"{hot.HOLDS.format(today=held.param(today))} AND {_state_sql(want_ready, want_blocked)}"
                )
                found = min(
                    self._count(db, f"{_by_state(q)}{held.sql()}", held.values) + len(also), COUNT_CAP + 1
                )
                if found <= COUNT_CAP:
                    # few: found through the index on the state (a subquery, so that neither
                    # database starts from the districts' order), then sorted
                    sql = f"SELECT {ALIASED} {BY_STATE_IN_DISTRICTS}{held.sql()}"
                    if also:
                        sql += f" UNION ALL SELECT {ALIASED} {FROM} AND t.id IN ({held.params(also)})"
                    sql = f"SELECT * FROM ({sql} LIMIT {COUNT_CAP + 1}) found ORDER BY district, id"
                else:
                    # many: read in the list's order, each township's state by its key
                    either = (
                        f"EXISTS (SELECT 1 FROM gatestate g WHERE g.township_id = t.id AND {held.conds[-1]})"
                    )
                    if also:
                        either = f"({either} OR t.id IN ({held.params(also)}))"
                    held.conds[-1] = either
                    sql = None
                return self._paged(
                    db,
                    held,
                    start,
                    limit,
                    own,
                    lambda rows: (
                        self._stored(db, [r.id for r in rows])
                        | {r.id: evaluated[r.id] for r in rows if r.id in evaluated}
                    ),
                    lambda: found,
                    sql,
                )
            # many stale states (expired by the calendar or by new rules, or a database
            # not upgraded by this release's `db upgrade`): evaluated chunk by chunk as the
            # list is read
            picked: list[TownshipRow] = []
            gates: dict[int, GateState] = {}
            pos = start
            while len(picked) < limit:
                chunk = self._candidates(db, where, pos, SCAN_CHUNK)
                if not chunk:
                    return Page(picked, start, None, None, gates, own)
                states = self._gates(db, [r.id for r in chunk])
                for r in chunk:
                    pos += 1
                    g = states[r.id]
                    if _wanted(g, want_ready, want_blocked):
                        picked.append(r)
                        gates[r.id] = g
                        if len(picked) >= limit:
                            break
            more = self._candidates(db, where, pos, 1)
            return Page(picked, start, pos if more else None, None, gates, own)

    def _stale(self, db: hot.Raw, q: Query, where: Where, today: Any) -> list[int]:
        """Townships within ``where`` whose stored gate state does not hold today (at most
        ``STALE_LIMIT + 1``). From schema revision 0010 on, every township's state is
        stored at its version or expired (see ``expire_stale_gate_states``): the stale
        ones are found by the index on ``valid_until``. A database at an older revision (a
        read-only copy, not upgraded) is compared township by township."""
        stale = Where(list(where.conds), dict(where.values))
        if self._states_kept(db):
            stale.conds.append(f"g.valid_until <= {stale.param(today)}")
            sql = f"SELECT t.id {_by_state(q)}{stale.sql()}"
        else:
            stale.conds.append(f"NOT EXISTS ({hot.FRESH.format(today=stale.param(today))})")
            sql = f"SELECT t.id {FROM}{stale.sql()}"
        return [int(r[0]) for r in db.all(f"{sql} LIMIT {STALE_LIMIT + 1}", stale.values)]

    @staticmethod
    def _states_kept(db: hot.Raw) -> bool:
        """The database is at this release's schema revision, at which every township's
        gate state is stored at its version or expired."""
        from workflow.store.migrate import HEAD

        try:
            row = db.one("SELECT version_num FROM alembic_version", {})
        except db.errors:
            return False
        return row is not None and str(row[0]) == HEAD

    def _stored(self, db: hot.Raw, ids: Sequence[int]) -> dict[int, GateState]:
        """The stored gate states of ``ids`` that still hold (see ``GateState``)."""
        if not ids:
            return {}
        w = Where()
        today = w.param(db.date(self.access.today()))
        rows = db.all(
            "SELECT g.township_id, g.final, g.failing, g.waived FROM gatestate g "
            f"JOIN township t ON t.id = g.township_id WHERE g.township_id IN ({w.params(ids)}) "
            f"AND g.version = t.version AND (g.valid_until IS NULL OR g.valid_until > {today})",
            w.values,
        )
        return {int(i): GateState(int(i), bool(f), int(n), int(wv)) for i, f, n, wv in rows}

    def _evaluate(self, db: hot.Raw, ids: Sequence[int]) -> dict[int, GateState]:
        """The gate states of ``ids`` evaluated now from their records."""
        svc = self.access.reads()
        out: dict[int, GateState] = {}
        if not ids:
            return out
        w = Where()
        for row in db.all(f"SELECT {hot.TOWN_COLUMNS} FROM township WHERE id IN ({w.params(ids)})", w.values):
            town = db.town(row)
            g = svc.gate_summary(db, town)
            out[town.id] = GateState(town.id, g.final, g.failing, g.waived)
        return out

    def _gates(self, db: hot.Raw, ids: Sequence[int]) -> dict[int, GateState]:
        """The gate states of ``ids``: stored where they hold, else evaluated now."""
        out = self._stored(db, ids)
        return out | self._evaluate(db, [i for i in ids if i not in out])

    def gate_states(self, ids: Sequence[int]) -> dict[int, GateState]:
        """The next gate's state of each township in ``ids`` (the visible rows)."""
        with self._read() as db:
            actor_of(db, self.access.actor_name)
            return self._gates(db, ids)

    def find(self, text: str, limit: int = 20) -> list[TownshipRow]:
        """Townships whose name (or district/name) contains ``text``, for jumping to."""
        with self._read() as db:
            scope = read_scope(db, self.access.actor_name)
            w = Where()
            if scope.districts is not None:
                w.conds.append(scope.sql("t.district_id"))
            like = w.param(f"%{text.strip()}%")
            w.conds.append(f"(t.name LIKE {like} OR (d.name || '/' || t.name) LIKE {like})")
            return self._candidates(db, w, 0, limit)


STALE_LIMIT = 500
"""At most this many stale gate states are evaluated when a list is read; beyond it
(a database whose states were never stored), the list is read chunk by chunk."""
BY_STATE = "FROM gatestate g CROSS JOIN township t WHERE t.id = g.township_id"
BY_STATE_IN_DISTRICTS = (
    "FROM gatestate g CROSS JOIN township t JOIN district d ON d.id = t.district_id "
    "WHERE t.id = g.township_id"
)
"""Townships read from their stored gate states, through an index on ``gatestate`` (on
the state, or on ``valid_until``): CROSS JOIN keeps SQLite from starting at township."""


def _state_sql(ready: bool, blocked: bool) -> str:
    if ready and blocked:
        return "1 = 0"
    return hot.READY if ready else "g.failing > 0"  # both on the index


def _wanted(g: GateState, ready: bool, blocked: bool) -> bool:
    return (not ready or g.ready) and (not blocked or not g.ready)


ROW_COLUMNS = "t.id, t.name, d.name, t.stage, t.stage_since, t.version, t.district_id"
FROM = "FROM district d CROSS JOIN township t WHERE t.district_id = d.id"
"""Townships and their districts, read by district (CROSS JOIN keeps SQLite to that order:
by the district's name, then by township id, both from an index)."""
ROWS = f"SELECT {ROW_COLUMNS} {FROM}"
MATCHES = "FROM township t WHERE 1 = 1"
MATCHES_IN_DISTRICTS = "FROM township t JOIN district d ON d.id = t.district_id WHERE 1 = 1"
"""Townships (and their districts when a word may name one), in no order: for counting,
the database starts where an index helps, e.g. stage and stage_since for the overdue."""
ALIASED = (
    "t.id AS id, t.name AS name, d.name AS district, t.stage AS stage, t.stage_since AS stage_since, "
    "t.version AS version, t.district_id AS district_id"
)


def _matches(q: Query) -> str:
    return MATCHES_IN_DISTRICTS if q.words else MATCHES


def _by_state(q: Query) -> str:
    return BY_STATE_IN_DISTRICTS if q.words else BY_STATE


OWN_DEFINITIONS = (
    "SELECT id, definition_path FROM district WHERE definition_path IS NOT NULL AND definition_path <> ''"
)
WITH_TOWNSHIPS = "EXISTS (SELECT 1 FROM township t WHERE t.district_id = d.id)"
FIRST_DISTRICTS = (
    f"SELECT d.id, d.name FROM district d WHERE {{scope}} AND {WITH_TOWNSHIPS} "
    "ORDER BY d.name LIMIT {limit}"
)
PROGRESS = (
    "SELECT d.name, t.stage, count(*) FROM district d JOIN township t ON t.district_id = d.id "
    "WHERE d.id IN ({ids}) GROUP BY d.name, t.stage ORDER BY d.name"
)
OVERALL = (
    "SELECT t.stage, count(*) FROM township t JOIN district d ON d.id = t.district_id "
    "WHERE {scope} GROUP BY t.stage"
)
DISTRICTS = f"SELECT count(*) FROM district d WHERE {{scope}} AND {WITH_TOWNSHIPS}"


@dataclass
class Where:
    """SQL conditions with their bound values (named ``:pN``)."""

    conds: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)

    def param(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"

    def params(self, values: Sequence[Any]) -> str:
        return ", ".join(self.param(v) for v in values)

    def sql(self) -> str:
        """The conditions, to follow a query's own WHERE clause."""
        return "".join(f" AND {c}" for c in self.conds)


def _stage_in(w: Where, word: str, d: Definition) -> list[str]:
    """The township is at a stage of ``d`` that ``word`` names (none when no stage does)."""
    stages = stage_matches(d, word)
    return [f"t.stage IN ({w.params(stages)})"] if stages else []
