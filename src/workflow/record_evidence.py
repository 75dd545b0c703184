"""What an advance rests on, read from the database for :mod:`workflow.record_rules`:
the current stage's facts with their dates, and its rosters' latest dates."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from workflow import hotpath as hot
from workflow.definition import Definition
from workflow.record_rules import Evidence, fact_evidence, roster_evidence
from workflow.rosters import ROSTER_KINDS

if TYPE_CHECKING:
    from workflow.hotpath import Db, TownRow
    from workflow.reads import Reads

STARTED_ON = "SELECT effective_date, payload FROM event WHERE chain = :chain AND seq = 1"


def started_on(db: Db, town: TownRow) -> tuple[dt.date | None, bool]:
    """The effective date of the township's first event, and whether that start was
    given (``add-township --since``) rather than being the day it was entered: only a
    given start bounds the dates inside a record."""
    row = hot.raw(db).one(STARTED_ON, {"chain": str(town.id)})
    if row is None:
        return None, False
    day = hot.date_of(row[0])
    if not isinstance(day, dt.date):
        return None, False
    return day, "since" in json.loads(str(row[1] or "{}"))


def advance_evidence(reads: Reads, db: Db, town: TownRow, d: Definition) -> list[Evidence]:
    """The dated evidence of the current stage: its facts' date fields and its
    rosters' latest row dates. (The day a fact was entered is not evidence: a township
    is often entered after the events it records.)"""
    stage = d.stage(town.stage)
    facts = reads._facts(db, town, d)
    out: list[Evidence] = []
    for name in stage.facts:
        if name in facts and name in d.facts:
            out += fact_evidence(d.facts[name], facts[name], None)
    rosters = reads._rosters(db, town, stage.rosters)
    for kind, rows in rosters.items():
        out += roster_evidence(ROSTER_KINDS[kind].label(), rows)
    return out
