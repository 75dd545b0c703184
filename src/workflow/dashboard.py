"""Read-only, paged queries behind the dashboard: one page of townships at a time,
progress per district by GROUP BY, and gate state computed only for the rows a
front end shows. Nothing here changes the database; permissions are the service's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, false, func, or_
from sqlmodel import Session, col, select

from workflow.definition import Definition
from workflow.models import District, Township, Violation, Waiver
from workflow.service import Actor, Service
from workflow.store import read_session

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
    in the filtered order; ``next_start`` is None at the end; ``total`` is None when
    the filter needs gate states, which are not counted over the whole table."""

    rows: list[TownshipRow]
    start: int
    next_start: int | None
    total: int | None
    gates: dict[int, GateState] = field(default_factory=dict)


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
    """The dashboard's reads, on the service's engine and actor."""

    def __init__(self, service: Service) -> None:
        self.service = service

    @property
    def definition(self) -> Definition:
        return self.service.definition

    def viewer(self) -> Actor:
        """Who is looking (a user the database does not know is refused)."""
        self.service.ensure_schema()
        with read_session(self.service.engine) as session:
            return self.service.actor(session)

    def progress(self, limit: int = 12) -> Progress:
        """Townships per stage: every district's, the first ``limit`` districts shown
        one by one and, when there are more, all of them added up (a province has
        thousands of districts; the dashboard shows a summary, not a second list)."""
        with read_session(self.service.engine) as session:
            self.service.reader(session)
            rows = session.exec(
                select(District.name, Township.stage, func.count())
                .join(Township, col(Township.district_id) == col(District.id))
                .group_by(col(District.name), col(Township.stage))
                .order_by(col(District.name))
            ).all()
        out: dict[str, dict[str, int]] = {}
        overall: dict[str, int] = {}
        for name, stage, count in rows:
            overall[stage] = overall.get(stage, 0) + int(count)
            if name in out or len(out) < limit:
                out.setdefault(name, {})[stage] = int(count)
        districts = len({name for name, _, _ in rows})
        return Progress(
            [DistrictProgress(n, sum(c.values()), c) for n, c in out.items()],
            DistrictProgress("", sum(overall.values()), overall) if districts > limit else None,
            districts - len(out),
        )

    def _where(self, q: Query, actor: Actor) -> list[Any]:
        d = self.definition
        today = self.service.today()
        conds: list[Any] = []
        for word in q.words:
            like = f"%{word}%"
            options: list[Any] = [col(Township.name).like(like), col(District.name).like(like)]
            stages = stage_matches(d, word)
            if stages:
                options.append(col(Township.stage).in_(stages))
            conds.append(or_(*options))
        if "overdue" in q.states:
            late = [
                and_(
                    col(Township.stage) == s.id,
                    col(Township.stage_since) < today - dt.timedelta(days=s.deadline_days),
                )
                for s in d.working_stages()
                if s.deadline_days is not None
            ]
            conds.append(or_(*late) if late else false())
        if "violation" in q.states:
            conds.append(
                exists().where(
                    col(Violation.township_id) == col(Township.id), col(Violation.status) == "open"
                )
            )
        if "waived" in q.states:
            conds.append(exists().where(col(Waiver.township_id) == col(Township.id)))
        if "mine" in q.states:
            conds.append(col(Township.id).in_(sorted(actor.townships)) if actor.townships else false())
        if q.needs_gates:
            conds.append(col(Township.stage) != d.final)
        return conds

    def _candidates(
        self, session: Session, conds: Sequence[Any], start: int, limit: int
    ) -> list[TownshipRow]:
        stmt = (
            select(Township, District.name)
            .join(District, col(Township.district_id) == col(District.id))
            .where(*conds)
            .order_by(col(District.name), col(Township.id))
            .offset(start)
            .limit(limit)
        )
        found = list(session.exec(stmt))
        ids = [t.id for t, _ in found]
        open_counts: dict[int, int] = dict(
            session.exec(
                select(Violation.township_id, func.count())
                .where(col(Violation.township_id).in_(ids), col(Violation.status) == "open")
                .group_by(col(Violation.township_id))
            ).all()
        )
        rows = []
        for t, dname in found:
            assert t.id is not None
            rows.append(
                TownshipRow(t.id, t.name, dname, t.stage, t.stage_since, t.version, open_counts.get(t.id, 0))
            )
        return rows

    def page(self, text: str, start: int = 0, limit: int = 60) -> Page:
        """The townships matching ``text``, from candidate ``start``, at most ``limit``."""
        q = parse_query(text)
        with read_session(self.service.engine) as session:
            actor = self.service.actor(session)
            conds = self._where(q, actor)
            if not q.needs_gates:
                total = session.exec(
                    select(func.count())
                    .select_from(Township)
                    .join(District, col(Township.district_id) == col(District.id))
                    .where(*conds)
                ).one()
                rows = self._candidates(session, conds, start, limit)
                end = start + len(rows)
                return Page(rows, start, end if end < total else None, int(total))
            want_ready, want_blocked = "ready" in q.states, "blocked" in q.states
            picked: list[TownshipRow] = []
            gates: dict[int, GateState] = {}
            pos = start
            while len(picked) < limit:
                chunk = self._candidates(session, conds, pos, SCAN_CHUNK)
                if not chunk:
                    return Page(picked, start, None, None, gates)
                states = self._gates(session, [r.id for r in chunk])
                for r in chunk:
                    pos += 1
                    g = states[r.id]
                    if (not want_ready or g.ready) and (not want_blocked or not g.ready):
                        picked.append(r)
                        gates[r.id] = g
                        if len(picked) >= limit:
                            break
            more = self._candidates(session, conds, pos, 1)
            return Page(picked, start, pos if more else None, None, gates)

    def _gates(self, session: Session, ids: Sequence[int]) -> dict[int, GateState]:
        svc = self.service
        out: dict[int, GateState] = {}
        towns = session.exec(select(Township).where(col(Township.id).in_(list(ids)))).all()
        for town in towns:
            assert town.id is not None
            d = svc.definition_for(session, town)
            final = d.next_stage(town.stage) is None
            checks = [] if final else svc.checks_for(session, town, d)
            out[town.id] = GateState(
                town.id,
                final,
                sum(1 for c in checks if not c.ok),
                sum(1 for c in checks if c.waived and not c.passed),
            )
        return out

    def gate_states(self, ids: Sequence[int]) -> dict[int, GateState]:
        """The next gate's state of each township in ``ids`` (the visible rows)."""
        with read_session(self.service.engine) as session:
            self.service.actor(session)
            return self._gates(session, ids)

    def find(self, text: str, limit: int = 20) -> list[TownshipRow]:
        """Townships whose name (or district/name) contains ``text``, for jumping to."""
        with read_session(self.service.engine) as session:
            self.service.actor(session)
            like = f"%{text.strip()}%"
            conds = [
                or_(col(Township.name).like(like), (col(District.name) + "/" + col(Township.name)).like(like))
            ]
            return self._candidates(session, conds, 0, limit)
