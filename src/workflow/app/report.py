"""The district report's records read from the store; the figures are computed by
:func:`workflow.domain.report.compute`."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, func, select

from workflow.domain.definition import Definition
from workflow.domain.report import TownshipRecord, ViolationRecord, WaiverRecord, compute
from workflow.domain.rosters import ROSTER_KINDS
from workflow.store.tables import District, Event, Fact, RosterRow, Township, Violation, Waiver


def district_report(
    session: Session, d: Definition, district: District | None, today: dt.date
) -> dict[str, Any]:
    """The report for one district, or for the whole database when ``district`` is None."""
    stmt = select(Township)
    if district is not None:
        stmt = stmt.where(Township.district_id == district.id)
    towns: dict[int, Township] = {t.id: t for t in session.exec(stmt) if t.id is not None}
    ids: list[int] = list(towns)
    facts: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for f in session.exec(select(Fact).where(col(Fact.township_id).in_(ids))):
        spec = d.facts.get(f.name)
        raw = json.loads(f.data)
        facts[f.township_id][f.name] = {s.name: s.load(raw.get(s.name)) for s in spec.fields} if spec else raw
    rosters: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in session.exec(
        select(RosterRow)
        .where(
            col(RosterRow.township_id).in_(ids),
            col(RosterRow.kind).in_(["delegates", "team", "ballots", "pledges"]),
        )
        .order_by(col(RosterRow.id))
    ):
        rosters[row.township_id][row.kind].append(ROSTER_KINDS[row.kind].load_row(json.loads(row.data)))

    dates = session.exec(
        select(func.min(Event.effective_date), func.max(Event.effective_date)).where(
            col(Event.township_id).in_(ids)
        )
    ).one()
    finished = session.exec(
        select(func.max(Event.effective_date)).where(
            col(Event.township_id).in_(ids), Event.kind == "advance", Event.to_stage == d.final
        )
    ).one()

    violations = [
        ViolationRecord(v.id or 0, v.township_id, v.status, v.opened_note)
        for v in session.exec(select(Violation).where(col(Violation.township_id).in_(ids)))
    ]
    waivers = [
        WaiverRecord(w.township_id, w.check_id, w.reason, w.actor)
        for w in session.exec(select(Waiver).where(col(Waiver.township_id).in_(ids)))
    ]
    return compute(
        d,
        district.name if district else None,
        {i: TownshipRecord(i, t.name, t.district_id, t.stage) for i, t in towns.items()},
        facts,
        rosters,
        dates[0],
        finished,
        violations,
        waivers,
        today,
    )
