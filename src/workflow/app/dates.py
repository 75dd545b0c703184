"""Lower bounds for effective dates. No date before the founding of the People's
Republic (1949-10-01) is a plausible date of any re-election step; no step of a
township is dated before its work began (its creation event), and no stage change
before the day the township entered the stage it leaves."""

from __future__ import annotations

import datetime as dt
import json

from workflow.errors import BadInput
from workflow.i18n import Text
from workflow.store import sql as hot
from workflow.store.sql import Db, Town

EARLIEST = dt.date(1949, 10, 1)
"""The earliest effective date accepted anywhere."""

_START = "SELECT effective_date, payload FROM event WHERE chain = :chain AND seq = 1"


def township_start(db: Db, town: Town) -> dt.date | None:
    """The day the township's work began, when it was given (``township add --since``,
    kept in its creation event); None when it is not known."""
    row = hot.raw(db).one(_START, {"chain": str(town.id)})
    if row is None or '"since"' not in str(row[1]):
        return None
    since = json.loads(str(row[1])).get("since")  # null: not given
    return None if since is None else dt.date.fromisoformat(str(since))


def check_not_before_start(db: Db, town: Town, effective: dt.date) -> None:
    """Refuse ``effective`` before the township's work began."""
    start = township_start(db, town)
    if start is not None and effective < start:
        raise BadInput(
            Text(
                f"生效日期{effective}早于「{town.name}」开始换届工作的日期{start}",
                f"effective date {effective} is before '{town.name}' began its work on {start}",
            )
        )


def check_step_date(db: Db, town: Town, effective: dt.date) -> None:
    """A stage change: not before the township entered the stage it leaves, nor
    before its work began. A township never enters a stage before its work began, so
    a date on or after the day it entered its stage needs no look-up (the common
    case, kept off the step's path)."""
    if town.stage_since is not None and effective >= town.stage_since:
        return
    check_not_before_start(db, town, effective)
    if town.stage_since is not None:
        raise BadInput(
            Text(
                f"生效日期{effective}早于进入当前阶段的日期{town.stage_since}",
                f"effective date {effective} is before the township entered its current "
                f"stage on {town.stage_since}",
            )
        )
