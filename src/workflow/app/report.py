"""The district report's records read from the store, streamed: townships, facts and
roster rows are three queries in township order, merged one township at a time into
:class:`workflow.domain.report.ReportBuilder`, so memory does not grow with the
number of townships (and no statement lists their ids)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from workflow.domain.definition import Definition
from workflow.domain.report import ReportBuilder, TownshipRecord, ViolationRecord, WaiverRecord
from workflow.domain.rosters import ROSTER_KINDS, StoredRoster
from workflow.store import sql as hot
from workflow.store.sql import date_of

if TYPE_CHECKING:
    from sqlmodel import Session

    from workflow.store.tables import District

REPORT_ROSTERS = ("delegates", "team", "ballots", "pledges")
TYPED_ROSTERS = frozenset({"team"})
"""The rosters whose rows the report reads with their dates as dates (birth dates, for
ages); of the others it reads texts, numbers and truth values, as stored."""


def district_report(
    session: Session, d: Definition, district: District | None, today: dt.date
) -> dict[str, Any]:
    """The report for one district, or for the whole database when ``district`` is None."""
    db = hot.raw(session)
    params: dict[str, Any] = {}
    where = ""
    if district is not None:
        where, params = "t.district_id = :did", {"did": district.id}
    builder = ReportBuilder(d, district.name if district else None, today)

    towns = db.stream(
        f"SELECT t.id, t.name, t.district_id, t.stage FROM township t {_where(where)} ORDER BY t.id",
        params,
    )
    facts = _Ordered(
        db.stream(
            "SELECT f.township_id, f.name, f.data FROM fact f JOIN township t ON t.id = f.township_id "
            f"{_where(where)} ORDER BY f.township_id",
            params,
        )
    )
    kinds = ", ".join(f"'{k}'" for k in REPORT_ROSTERS)
    rosters = _Ordered(
        db.stream(  # a few rosters at a time: each its event's payload, up to tens of megabytes
            "SELECT r.township_id, r.kind, r.lines, e.payload FROM roster r "
            "JOIN township t ON t.id = r.township_id LEFT JOIN event e ON e.id = r.event_id "
            f"{_where(where, f'r.kind IN ({kinds})')} ORDER BY r.township_id, r.kind",
            params,
            size=20,
        )
    )
    for tid, name, district_id, stage in towns:
        town = TownshipRecord(int(tid), str(name), int(district_id), str(stage))
        town_facts: dict[str, dict[str, Any]] = {}
        for _, fact, data in facts.take(town.id):
            spec = d.facts.get(str(fact))
            raw = json.loads(data)
            town_facts[str(fact)] = {s.name: s.load(raw.get(s.name)) for s in spec.fields} if spec else raw
        town_rosters: dict[str, list[dict[str, Any]]] = {}
        for _, kind, lines, payload in rosters.take(town.id):
            rows = StoredRoster(str(kind), lines, payload).dicts()
            if kind in TYPED_ROSTERS:
                rows = list(map(ROSTER_KINDS[str(kind)].load_row, rows))
            town_rosters[str(kind)] = rows
        builder.township(town, town_facts, town_rosters)

    for vid, tid, status, note, name in db.all(
        "SELECT v.id, v.township_id, v.status, v.opened_note, t.name FROM violation v "
        f"JOIN township t ON t.id = v.township_id {_where(where)} ORDER BY v.id",
        params,
    ):
        builder.violation(ViolationRecord(int(vid), int(tid), str(status), str(note)), str(name))
    for tid, check, reason, actor, name in db.all(
        "SELECT w.township_id, w.check_id, w.reason, w.actor, t.name FROM waiver w "
        f"JOIN township t ON t.id = w.township_id {_where(where)} ORDER BY w.id",
        params,
    ):
        builder.waiver(WaiverRecord(int(tid), str(check), str(reason), str(actor)), str(name))

    first = db.one(
        f"SELECT min(e.effective_date) FROM event e JOIN township t ON t.id = e.township_id {_where(where)}",
        params,
    )
    finished = db.one(
        "SELECT max(e.effective_date) FROM event e JOIN township t ON t.id = e.township_id "
        f"{_where(where, 'e.kind = :advance AND e.to_stage = :final')}",
        params | {"advance": "advance", "final": d.final},
    )
    return builder.result(date_of(first[0]) if first else None, date_of(finished[0]) if finished else None)


def _where(*conditions: str) -> str:
    wanted = [c for c in conditions if c]
    return f"WHERE {' AND '.join(wanted)}" if wanted else ""


class _Ordered:
    """A stream of rows ordered by township id (the first column), taken a township
    at a time."""

    def __init__(self, rows: Iterator[Sequence[Any]]) -> None:
        self.rows = rows
        self.next: Sequence[Any] | None = next(rows, None)

    def take(self, township_id: int) -> Iterator[Sequence[Any]]:
        while self.next is not None and int(self.next[0]) < township_id:
            self.next = next(self.rows, None)  # a row of a township not reported: skipped
        while self.next is not None and int(self.next[0]) == township_id:
            yield self.next
            self.next = next(self.rows, None)
