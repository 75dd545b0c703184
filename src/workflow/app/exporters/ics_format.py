"""iCalendar: one all-day VEVENT per stage span, made by the icalendar library and
written one at a time between the calendar's header and footer. UIDs name the
township, the stage, the visit and the database's own random id, so a re-import
updates rather than duplicates, and two installations' calendars never collide. An
export without spans still holds one component (a time zone), as RFC 5545 requires."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from workflow.app.exporters.common import ExportContext, Progress, kind_label
from workflow.domain.timeline import Span, TownshipTimeline
from workflow.i18n import tr

UID_DOMAIN = "township-election.workflow"
PRODID = "-//workflow//township Party committee re-election timeline//EN"


EMPTY_COMPONENT = (
    b"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    b"TZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)
"""The component of a calendar with no events (China Standard Time, which every
date of the tracker is in)."""


def span_uid(township_id: int, s: Span, database_id: str) -> str:
    return f"{township_id}-{s.stage}-{s.visit}-{database_id}@{UID_DOMAIN}"


def span_dates(s: Span, today: dt.date) -> tuple[dt.date, dt.date]:
    """DTSTART and the exclusive DTEND: to the day it was left, the current stage to
    today inclusive, a completed township one day; never empty."""
    one = dt.timedelta(days=1)
    if s.final:
        return s.entered, s.entered + one
    end = s.left if s.left is not None else max(today, s.entered) + one
    return s.entered, max(end, s.entered + one)


def _description(ctx: ExportContext, t: TownshipTimeline, s: Span) -> str:
    lines = [
        tr("区：{d}", "District: {d}", d=t.district),
        tr("乡镇：{t}", "Township: {t}", t=t.township),
        tr(
            "阶段：{o}.{n}（第{v}次）",
            "Stage: {o}. {n} (visit {v})",
            o=s.order,
            n=ctx.stage_name(t.definition, s.stage),
            v=s.visit,
        ),
        tr(
            "进入：{d}（{k}，{a}）",
            "Entered: {d} ({k}, {a})",
            d=s.entered,
            k=kind_label(s.entered_via, ctx.lang),
            a=s.entered_by,
        ),
    ]
    if s.left is not None:
        lines.append(
            tr(
                "离开：{d}（{k}，{a}）",
                "Left: {d} ({k}, {a})",
                d=s.left,
                k=kind_label(s.left_via, ctx.lang),
                a=s.left_by,
            )
        )
    elif not s.final:
        lines.append(tr("当前阶段（截至{d}）", "Current stage (as of {d})", d=ctx.today))
    if s.days is not None:
        lines.append(tr("天数：{n}", "Days: {n}", n=s.days))
    if s.deadline is not None:
        lines.append(
            tr(
                "截止：{d}（{n}天），超期{o}天",
                "Deadline: {d} ({n} days), overdue {o} days",
                d=s.deadline,
                n=s.deadline_days,
                o=s.overdue_days,
            )
        )
    if s.returned:
        lines.append(tr("被退回", "Returned from this stage"))
    if s.waived:
        lines.append(tr("豁免检查：{c}", "Waived checks: {c}", c=", ".join(s.waived)))
    if s.backdated:
        lines.append(tr("含补记事件", "Includes backdated events"))
    return "\n".join(x(ctx.lang) for x in lines)


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    from icalendar import Calendar, Event, vText

    from workflow.store.meta import database_id

    dbid = database_id(ctx.session) or "unknown"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    names = ", ".join(s.name for s in ctx.scopes)
    # an X- property is written as given unless typed as text: vText escapes , ; \\
    cal.add("x-wr-calname", vText(tr("换届时间线：{n}", "Re-election timeline: {n}", n=names)(ctx.lang)))
    head = cal.to_ical()
    footer = b"END:VCALENDAR\r\n"
    assert head.endswith(footer)
    out.write(head[: -len(footer)])
    stamp = dt.datetime.fromisoformat(ctx.generated_at.replace("Z", "+00:00"))
    spans = 0
    for done, t in enumerate(timelines, start=1):
        for s in t.spans:
            start, end = span_dates(s, ctx.today)
            ev = Event()
            ev.add("uid", span_uid(t.township_id, s, dbid))
            ev.add("dtstamp", stamp)
            ev.add("dtstart", start)
            ev.add("dtend", end)
            name = ctx.stage_name(t.definition, s.stage)
            summary = f"{t.township} {s.order}.{name}"
            if s.final:
                summary = f"{t.township} {name}"
            if s.visit > 1:
                summary += tr("（第{v}次）", " (visit {v})", v=s.visit)(ctx.lang)
            if s.overdue_days:
                summary += tr(" [超期{n}天]", " [overdue {n}d]", n=s.overdue_days)(ctx.lang)
            if s.waived:
                summary += tr(" [豁免]", " [waived]")(ctx.lang)
            ev.add("summary", summary)
            ev.add("description", _description(ctx, t, s))
            ev.add("categories", [t.district])
            ev.add("transp", "TRANSPARENT")
            out.write(ev.to_ical())
            spans += 1
        if progress is not None:
            progress(done, ctx.township_count)
    if spans == 0:
        out.write(EMPTY_COMPONENT)
    out.write(footer)
    return spans
