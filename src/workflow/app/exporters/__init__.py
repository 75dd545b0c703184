"""Timeline and history exports: the function API that the CLI and the TUI share.

``export_timeline(service, "csv", "out.csv", districts=["某区"])`` validates every input
first (format, districts, townships, dates, output path) and raises
:class:`~workflow.errors.BadInput` before anything is written; the file appears only
when complete. Exports read through one read-only session and never write to the
database. Heavy libraries (XlsxWriter, icalendar) are imported by the writer that needs
them."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, func, select

from workflow.app.dates import EARLIEST
from workflow.app.exporters.common import ExportContext, Progress, check_writable, open_output
from workflow.app.timelines import iter_timelines
from workflow.domain.fields import FieldError, parse_date
from workflow.domain.timeline import DistrictScope
from workflow.errors import BadInput
from workflow.i18n import Lang, Text, tr
from workflow.store.db import read_session
from workflow.store.tables import District, Township

FORMATS: dict[str, str] = {
    "csv": "csv_format",
    "json": "json_format",
    "ics": "ics_format",
    "xlsx": "xlsx_format",
    "html": "html_format",
    "mermaid": "mermaid_format",
}
HISTORY_FORMATS = ("csv", "json")
SUFFIXES = {
    "csv": ".csv",
    "json": ".json",
    "ics": ".ics",
    "xlsx": ".xlsx",
    "html": ".html",
    "mermaid": ".mmd",
}

__all__ = [
    "FORMATS",
    "HISTORY_FORMATS",
    "SUFFIXES",
    "ExportSummary",
    "TimelinePlan",
    "export_history",
    "export_timeline",
    "plan_timeline",
]


@dataclass(frozen=True, slots=True)
class TimelinePlan:
    """A validated timeline export: what to write, before anything is written."""

    fmt: str
    scopes: list[DistrictScope]
    township_count: int
    date_from: dt.date | None
    date_to: dt.date | None
    lang: Lang
    filters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ExportSummary:
    fmt: str
    target: str
    townships: int
    rows: int


def _format(fmt: str, allowed: Sequence[str]) -> str:
    value = (fmt or "").strip().lower()
    if value not in allowed:
        raise BadInput(
            tr(
                "未知格式「{f}」，应为：{o}",
                "unknown format '{f}', expected one of: {o}",
                f=fmt,
                o="|".join(allowed),
            )
        )
    return value


def _date(value: dt.date | str | None, option: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return parse_date(value, earliest=EARLIEST)
    except FieldError as e:
        raise BadInput(
            Text(f"{option}「{value}」：{e.reason.zh}", f"{option} '{value}': {e.reason.en}")
        ) from None


def _require_db(service: Any) -> None:
    """Refuse a database that is not initialised, or at another schema revision."""
    service.ensure_schema()


def _scopes(
    service: Any, session: Session, districts: Sequence[str], townships: Sequence[str]
) -> list[DistrictScope]:
    chosen: dict[int, District] = {}
    for name in districts:
        district = service.find_district(session, name)
        assert district.id is not None
        chosen[district.id] = district
    if not townships:
        rows = chosen.values() if chosen else session.exec(select(District)).all()
        return [DistrictScope(d.id, d.name) for d in sorted(rows, key=lambda d: d.name) if d.id is not None]
    picked: dict[int, set[int]] = {}
    for ref in townships:
        ref = ref.strip()
        if len(chosen) == 1 and "/" not in ref and not ref.isdigit():
            ref = f"{next(iter(chosen.values())).name}/{ref}"
        town = service.find_township(session, ref)
        assert town.id is not None
        if chosen and town.district_id not in chosen:
            raise BadInput(
                tr(
                    "乡镇「{t}」不属于所选的区：{d}",
                    "township '{t}' is not in the chosen district(s): {d}",
                    t=ref,
                    d=", ".join(d.name for d in chosen.values()),
                )
            )
        picked.setdefault(town.district_id, set()).add(town.id)
    names = {d.id: d.name for d in session.exec(select(District).where(col(District.id).in_(list(picked))))}
    return [
        DistrictScope(did, names[did], sorted(ids))
        for did, ids in sorted(picked.items(), key=lambda kv: names[kv[0]])
    ]


def _count(session: Session, scopes: Sequence[DistrictScope]) -> int:
    """Townships in the export: one grouped count for the whole districts."""
    whole = {s.district_id for s in scopes if s.township_ids is None}
    per_district = (
        dict(
            session.exec(select(Township.district_id, func.count()).group_by(col(Township.district_id))).all()
        )
        if whole
        else {}
    )
    return sum(
        len(s.township_ids) if s.township_ids is not None else per_district.get(s.district_id, 0)
        for s in scopes
    )


def _definitions(service: Any, session: Session, scopes: Sequence[DistrictScope]) -> dict[int, Any]:
    return {s.district_id: service.definition_for_district(session, s.district_id) for s in scopes}


def plan_timeline(
    service: Any,
    fmt: str,
    *,
    districts: Sequence[str] = (),
    townships: Sequence[str] = (),
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    lang: Lang = "en",
) -> TimelinePlan:
    """Validate a timeline export's inputs against the database; raises BadInput."""
    fmt = _format(fmt, tuple(FORMATS))
    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if start is not None and end is not None and start > end:
        raise BadInput(tr("--from {a} 晚于 --to {b}", "--from {a} is after --to {b}", a=start, b=end))
    _require_db(service)
    with read_session(service.engine) as session:
        reader = service.scope(session)  # every role may export what it may read
        scopes = _scopes(service, session, districts, townships)
        if districts or townships:
            for sc in scopes:
                reader.require(sc.district_id, sc.name)
        else:
            scopes = [sc for sc in scopes if reader.sees_district(sc.district_id)]
        count = _count(session, scopes)
    filters = {
        "districts": [s.name for s in scopes] if districts or townships else [],
        "townships": list(townships),
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    return TimelinePlan(fmt, scopes, count, start, end, lang, filters)


def export_timeline(
    service: Any,
    fmt: str,
    out: str | Path | IO[bytes],
    *,
    districts: Sequence[str] = (),
    townships: Sequence[str] = (),
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
    lang: Lang = "en",
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the timeline of the chosen townships (default: all) in ``fmt`` to ``out``
    (a path, ``-`` for standard output, or a binary stream)."""
    plan = plan_timeline(
        service,
        fmt,
        districts=districts,
        townships=townships,
        date_from=date_from,
        date_to=date_to,
        lang=lang,
    )
    return write_timeline(service, plan, out, progress)


def write_timeline(
    service: Any, plan: TimelinePlan, out: str | Path | IO[bytes], progress: Progress | None = None
) -> ExportSummary:
    """Write a planned export (see :func:`plan_timeline`)."""
    if isinstance(out, str | Path):
        check_writable(out)
    writer = importlib.import_module(f"workflow.app.exporters.{FORMATS[plan.fmt]}")
    today = service.today()
    with read_session(service.engine) as session, open_output(out) as stream:
        definitions = _definitions(service, session, plan.scopes)
        ctx = ExportContext(
            service=service,
            session=session,
            scopes=plan.scopes,
            definitions=definitions,
            township_count=plan.township_count,
            today=today,
            generated_at=service.clock(),
            lang=plan.lang,
            date_from=plan.date_from,
            date_to=plan.date_to,
            filters=plan.filters,
        )
        timelines = iter_timelines(
            session,
            plan.scopes,
            definitions.__getitem__,
            today,
            date_from=plan.date_from,
            date_to=plan.date_to,
        )
        rows: int = writer.write_timeline(ctx, timelines, stream, progress)
    return ExportSummary(
        plan.fmt, str(out) if isinstance(out, str | Path) else "<stream>", plan.township_count, rows
    )


def export_history(
    service: Any, township: str, fmt: str, out: str | Path | IO[bytes], *, lang: Lang = "en"
) -> ExportSummary:
    """Write one township's raw audit events, oldest first, for auditors."""
    from workflow.app.exporters import csv_format, json_format

    fmt = _format(fmt, HISTORY_FORMATS)
    if isinstance(out, str | Path):
        check_writable(out)
    _require_db(service)
    town, events, problem = service.history(township)
    with read_session(service.engine) as session:
        district = session.get(District, town.district_id)
    dname = district.name if district else ""
    with open_output(out) as stream:
        if fmt == "csv":
            n = csv_format.write_history(dname, town.name, events, stream, lang)
        else:
            head = {
                "generated_at": service.clock(),
                "township_id": town.id,
                "township": town.name,
                "district": dname,
                "stage": town.stage,
                "version": town.version,
                "chain_verifies": problem is None,
                "problem": problem.text.as_dict() if problem is not None else None,
            }
            n = json_format.write_history(head, events, stream)
    return ExportSummary(fmt, str(out) if isinstance(out, str | Path) else "<stream>", 1, n)
