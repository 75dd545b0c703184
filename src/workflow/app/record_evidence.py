"""What an advance rests on, read from the database for :mod:`workflow.domain.record_rules`:
the current stage's facts with their dates, and its rosters' latest dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workflow.app.dates import township_start
from workflow.domain.definition import Definition
from workflow.domain.record_rules import Evidence, fact_evidence, roster_evidence
from workflow.domain.rosters import ROSTER_KINDS
from workflow.store import sql as hot

if TYPE_CHECKING:
    from workflow.app.reads import Reads
    from workflow.store.sql import Db, TownRow

STARTED_ON = "SELECT effective_date, payload FROM event WHERE chain = :chain AND seq = 1"


def started_on(db: Db, town: TownRow) -> tuple[dt.date | None, bool]:
    """The effective date of the township's first event, and whether that start was
    given (``add-township --since``) rather than being the day it was entered: only a
    given start bounds the dates inside a record."""
    given = township_start(db, town)  # the one reader of a township's stated start
    if given is not None:
        return given, True
    row = hot.raw(db).one(STARTED_ON, {"chain": str(town.id)})
    day = hot.date_of(row[0]) if row is not None else None
    return (day, False) if isinstance(day, dt.date) else (None, False)


def advance_evidence(
    reads: Reads, db: Db, town: TownRow, d: Definition, facts: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Evidence]:
    """The dated evidence of the current stage: its facts' date fields (of ``facts``
    when already read) and its rosters' latest row dates. (The day a fact was entered
    is not evidence: a township is often entered after the events it records.)"""
    stage = d.stage(town.stage)
    if facts is None:
        facts = reads._facts(db, town, d)
    out: list[Evidence] = []
    for name in stage.facts:
        if name in facts and name in d.facts:
            out += fact_evidence(d.facts[name], facts[name], None)
    rosters = reads._rosters(db, town, stage.rosters)
    for kind, rows in rosters.items():
        out += roster_evidence(ROSTER_KINDS[kind].label(), rows)
    return out
