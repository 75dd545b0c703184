"""HTML: one self-contained file (no scripts, no fonts, nothing fetched) holding the
district report's figures and a Gantt chart in inline SVG: one row per township,
grouped by district, one coloured and numbered bar per stage span, marks for overdue,
waived and returned spans, today's line, and hover titles with the dates. Written row
by row; each district gets its own date scale. Prints on A4 landscape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape
from typing import IO, Any

from sqlmodel import col, func, select

from workflow.app.exporters.common import ExportContext, Progress, kind_label, report_rows, scope_note
from workflow.domain.definition import Definition
from workflow.domain.timeline import SPAN_KINDS, DistrictScope, Span, TownshipTimeline
from workflow.i18n import Text, tr
from workflow.store.tables import Event, Township

LABEL_W = 130
TRACK_W = 880
ROW_H = 26
BAR_Y = 10
BAR_H = 13
DETAIL_LIMIT = 2000

# (fill, text colour) per stage number; colour is never the only cue: every bar
# carries its stage number (on the bar, or above it when the bar is too narrow).
PALETTE = (
    ("#4E79A7", "#fff"),
    ("#F28E2B", "#000"),
    ("#59A14F", "#fff"),
    ("#B07AA1", "#fff"),
    ("#EDC948", "#000"),
    ("#76B7B2", "#000"),
    ("#FF9DA7", "#000"),
    ("#9C755F", "#fff"),
)
OTHER = ("#BAB0AC", "#000")

MARKS = {
    "overdue": Text("!", "!"),
    "waived": Text("免", "W"),
    "returned": Text("退", "R"),
}

CSS = """
@page { size: A4 landscape; margin: 8mm; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; box-sizing: border-box; }
body { font-family: system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei",
  "PingFang SC", sans-serif; font-size: 12px; color: #222; margin: 12px; width: 1030px; }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 14px 0 4px; }
p.meta { color: #555; margin: 0 0 8px; }
dl.figures { columns: 3; column-gap: 24px; margin: 0; }
dl.figures div { display: flex; justify-content: space-between; break-inside: avoid;
  border-bottom: 1px dotted #ccc; padding: 1px 0; }
dl.figures dt { color: #444; } dl.figures dd { margin: 0 0 0 8px; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 8px 0; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.row { display: flex; align-items: center; height: 26px; border-bottom: 1px solid #eee;
  break-inside: avoid; }
.row.axis { height: 30px; border-bottom: 1px solid #999; }
.label { width: 130px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  padding-right: 6px; }
svg.track { flex: none; overflow: visible; }
svg text { font-family: inherit; }
.num { font-size: 10px; text-anchor: middle; }
.mark { font-size: 9px; font-weight: 700; }
.mark.overdue { fill: #c00; }
.tick { font-size: 9px; fill: #555; }
.today { stroke: #c00; stroke-width: 1.5; stroke-dasharray: 3 2; }
.note { color: #a00; }
@media print { body { margin: 0; } h2, .row.axis { break-after: avoid; }
  section.report { break-inside: avoid; } }
"""


def _colour(order: int) -> tuple[str, str]:
    return PALETTE[order - 1] if 1 <= order <= len(PALETTE) else OTHER


class _Scale:
    """Dates to x positions over one district's period, both ends included."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start = start
        self.end = end
        self.days = max(1, (end - start).days + 1)
        self.per_day = TRACK_W / self.days

    def x(self, day: dt.date) -> float:
        return min(max((day - self.start).days * self.per_day, 0.0), TRACK_W)

    def today_x(self, today: dt.date) -> float | None:
        """The middle of today's day, or None when today is outside the period."""
        if not self.start <= today <= self.end:
            return None
        return self.x(today) + self.per_day / 2

    def ticks(self) -> list[dt.date]:
        step = next((s for s in (1, 2, 7, 14, 30, 61, 91, 182, 365, 730) if self.days / s <= 10), 1461)
        return [self.start + dt.timedelta(days=k) for k in range(0, self.days, step)]


def _district_scale(ctx: ExportContext, scope: DistrictScope, d: Definition) -> _Scale:
    ids = select(Township.id).where(Township.district_id == scope.district_id)
    if scope.township_ids is not None:
        ids = ids.where(col(Township.id).in_(list(scope.township_ids)))
    lo, hi = ctx.session.exec(
        select(func.min(Event.effective_date), func.max(Event.effective_date)).where(
            col(Event.township_id).in_(ids), col(Event.kind).in_(sorted(SPAN_KINDS))
        )
    ).one()
    unfinished = ctx.session.exec(
        select(func.count()).where(col(Township.id).in_(ids), Township.stage != d.final)
    ).one()
    start = lo or ctx.today
    end = max(hi or ctx.today, ctx.today) if unfinished else (hi or ctx.today)
    if ctx.date_from is not None:
        start = max(start, ctx.date_from)
    if ctx.date_to is not None:
        end = min(end, ctx.date_to)
    return _Scale(start, max(start, end))


def _axis(ctx: ExportContext, scale: _Scale) -> str:
    parts = []
    for k, day in enumerate(scale.ticks()):
        x = scale.x(day)
        label = day.isoformat() if k == 0 or (day.month == 1 and day.day <= 7) else day.strftime("%m-%d")
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="18" y2="30" stroke="#999"/>'
            f'<text class="tick" x="{x + 2:.1f}" y="16">{label}</text>'
        )
    tx = scale.today_x(ctx.today)
    if tx is not None:
        parts.append(
            f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="20" y2="30"/>'
            f'<text class="tick" x="{tx - 2:.1f}" y="28" text-anchor="end" fill="#c00">'
            f"{escape(tr('今天 {d}', 'today {d}', d=ctx.today)(ctx.lang))}</text>"
        )
    return (
        f'<div class="row axis"><div class="label"></div>'
        f'<svg class="track" width="{TRACK_W}" height="30" viewBox="0 0 {TRACK_W} 30">'
        f"{''.join(parts)}</svg></div>\n"
    )


def _title(ctx: ExportContext, t: TownshipTimeline, s: Span) -> str:
    name = ctx.stage_name(t.definition, s.stage)
    lang = ctx.lang
    lines = [f"{t.township} · {s.order}.{name}" + (tr("（第{v}次）", " (visit {v})", v=s.visit)(lang))]
    if s.final:
        lines[0] = f"{t.township} · {name}"
        lines.append(tr("完成于 {d}", "completed on {d}", d=s.entered)(lang))
        return "\n".join(lines)
    if s.left is not None:
        lines.append(tr("{a} → {b}（{n}天）", "{a} → {b} ({n} days)", a=s.entered, b=s.left, n=s.days)(lang))
    else:
        lines.append(
            tr("{a} 起至今（{n}天，当前阶段）", "{a} → now ({n} days, current)", a=s.entered, n=s.days)(lang)
        )
    if s.deadline is not None:
        lines.append(tr("截止 {d}", "deadline {d}", d=s.deadline)(lang))
    if s.overdue_days:
        lines.append(tr("超期{n}天", "overdue {n} days", n=s.overdue_days)(lang))
    lines.append(
        tr("进入：{k}（{a}）", "entered: {k} ({a})", k=kind_label(s.entered_via, lang), a=s.entered_by)(lang)
    )
    if s.left_via is not None:
        lines.append(
            tr("离开：{k}（{a}）", "left: {k} ({a})", k=kind_label(s.left_via, lang), a=s.left_by)(lang)
        )
    if s.waived:
        lines.append(tr("豁免检查：{c}", "waived checks: {c}", c=", ".join(s.waived))(lang))
    if s.backdated:
        lines.append(tr("含补记事件", "includes backdated events")(lang))
    return "\n".join(lines)


def _row(ctx: ExportContext, t: TownshipTimeline, scale: _Scale) -> str:
    parts: list[str] = []
    lang = ctx.lang
    # Spans of no days are drawn last, as thin bars, so the next bar does not hide them.
    for s in sorted(t.spans, key=lambda s: (s.final, s.days == 0)):
        title = f"<title>{escape(_title(ctx, t, s))}</title>"
        if s.final:
            x = scale.x(s.entered)
            mid = BAR_Y + BAR_H / 2
            parts.append(
                f'<g class="span"><path class="milestone" data-stage="{escape(s.stage)}" '
                f'data-entered="{s.entered}" d="M{x:.1f} {mid - 6:.1f} l6 6 l-6 6 l-6 -6 z" '
                f'fill="#333">{title}</path></g>'
            )
            continue
        end = s.left if s.left is not None else max(ctx.today, s.entered) + dt.timedelta(days=1)
        x0, x1 = scale.x(s.entered), scale.x(end)
        w = max(x1 - x0, 2.0)
        fill, ink = _colour(s.order)
        marks = []
        if s.overdue_days:
            marks.append(("overdue", MARKS["overdue"](lang)))
        if s.waived:
            marks.append(("waived", MARKS["waived"](lang)))
        if s.returned:
            marks.append(("returned", MARKS["returned"](lang)))
        g = [
            f'<g class="span">{title}<rect class="bar" data-township-id="{t.township_id}" '
            f'data-stage="{escape(s.stage)}" data-order="{s.order}" data-visit="{s.visit}" '
            f'data-entered="{s.entered}" data-left="{s.left or ""}" data-days="{s.days}" '
            f'data-overdue="{s.overdue_days}" data-waived="{escape(",".join(s.waived))}" '
            f'data-returned="{"1" if s.returned else "0"}" x="{x0:.1f}" y="{BAR_Y}" width="{w:.1f}" '
            f'height="{BAR_H}" fill="{fill}" stroke="{"#000" if w < 4 else "#fff"}" stroke-width="0.5"/>'
        ]
        if s.overdue_days and s.deadline is not None:
            ox = scale.x(s.deadline)
            if ox < x0 + w:
                g.append(
                    f'<rect class="overdue" x="{ox:.1f}" y="{BAR_Y}" width="{x0 + w - ox:.1f}" '
                    f'height="{BAR_H}" fill="url(#hatch)" stroke="#c00" stroke-width="1"/>'
                )
        if w >= 12:
            g.append(f'<text class="num" x="{x0 + w / 2:.1f}" y="{BAR_Y + 10}" fill="{ink}">{s.order}</text>')
            above = ""
        else:
            above = str(s.order)
        text_marks = "".join(
            f'<tspan class="mark {cls}" data-mark="{cls}">{escape(m)}</tspan>' for cls, m in marks
        )
        if above or text_marks:
            num = f'<tspan class="num-above">{above}</tspan>' if above else ""
            g.append(f'<text class="mark" x="{x0:.1f}" y="{BAR_Y - 1}">{num}{text_marks}</text>')
        g.append("</g>")
        parts.append("".join(g))
    tx = scale.today_x(ctx.today)
    if tx is not None:
        parts.append(f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="0" y2="{ROW_H}"/>')
    current = t.spans[-1] if t.spans else None
    where = ""
    if current is not None and current.current:
        where = f"{current.order}.{ctx.stage_name(t.definition, current.stage)}"
    return (
        f'<div class="row township" data-township-id="{t.township_id}">'
        f'<div class="label" title="{escape(t.township)} {escape(where)}">{escape(t.township)}</div>'
        f'<svg class="track" width="{TRACK_W}" height="{ROW_H}" viewBox="0 0 {TRACK_W} {ROW_H}">'
        f"{''.join(parts)}</svg></div>\n"
    )


def _legend(ctx: ExportContext) -> str:
    seen: dict[tuple[int, str], str] = {}
    for d in ctx.definitions.values():
        for s in d.stages:
            if s.id != d.final:
                seen.setdefault((s.order, s.id), ctx.stage_name(d, s.id))
    items = []
    for (order, sid), name in sorted(seen.items()):
        fill, ink = _colour(order)
        items.append(
            f'<span data-stage="{escape(sid)}"><svg width="22" height="14" viewBox="0 0 22 14">'
            f'<rect width="22" height="14" fill="{fill}"/>'
            f'<text class="num" x="11" y="11" fill="{ink}">{order}</text></svg>{escape(name)}</span>'
        )
    lang = ctx.lang
    items.append(
        '<span><svg width="22" height="14" viewBox="0 0 22 14"><rect width="22" height="14" '
        f'fill="url(#hatch)" stroke="#c00"/></svg>{escape(MARKS["overdue"](lang))} '
        f"{escape(tr('超期', 'overdue')(lang))}</span>"
    )
    items.append(
        f"<span><b>{escape(MARKS['waived'](lang))}</b> {escape(tr('有豁免的检查', 'a check waived')(lang))}</span>"
    )
    items.append(
        f"<span><b>{escape(MARKS['returned'](lang))}</b> {escape(tr('从此阶段被退回', 'returned from here')(lang))}"
        "</span>"
    )
    items.append(
        '<span><svg width="14" height="14" viewBox="0 0 14 14"><path d="M7 1 l6 6 l-6 6 l-6 -6 z" '
        f'fill="#333"/></svg>{escape(tr("换届完成", "completed")(lang))}</span>'
    )
    items.append(
        '<span><svg width="14" height="14" viewBox="0 0 14 14"><line class="today" x1="7" x2="7" '
        f'y1="0" y2="14"/></svg>{escape(tr("今天", "today")(lang))}</span>'
    )
    return f'<div class="legend">{"".join(items)}</div>\n'


def _report(ctx: ExportContext) -> str:
    lang = ctx.lang
    if ctx.township_count > DETAIL_LIMIT:
        return (
            '<p class="note">'
            + escape(
                tr(
                    "所选乡镇超过{n}个：报告数字从略，请用 workflow report 查看",
                    "more than {n} townships selected: the report figures are left out; "
                    "use 'workflow report'",
                    n=DETAIL_LIMIT,
                )(lang)
            )
            + "</p>\n"
        )
    out = []
    note = scope_note(ctx)
    if note is not None:
        out.append(f'<p class="note scope">{escape(note)}</p>\n')
    for scope in ctx.scopes:
        report: dict[str, Any] = ctx.service.report(scope.name)
        rows = report_rows(report, ctx.definitions[scope.district_id], lang, empty_stages=False)
        figures = "".join(
            f"<div><dt>{escape(str(label))}</dt><dd>{escape('-' if value is None else str(value))}</dd></div>"
            for label, value in rows
            if label != tr("区", "district")(lang)
        )
        heading = tr("{d}：区报告", "{d}: district report", d=scope.name)(lang)
        out.append(
            f'<section class="report"><h2>{escape(heading)}</h2><dl class="figures">{figures}</dl></section>\n'
        )
    return "".join(out)


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    lang = ctx.lang
    title = tr("乡镇党委换届时间线", "Township Party committee re-election timeline")(lang)
    meta = tr("生成于 {g}；今天 {t}", "generated {g}; today {t}", g=ctx.generated_at, t=ctx.today)(lang)
    if ctx.date_from or ctx.date_to:
        meta += tr(
            "；时间范围 {a} 至 {b}", "; period {a} to {b}", a=ctx.date_from or "…", b=ctx.date_to or "…"
        )(lang)
    head = (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n"
        '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
        '<pattern id="hatch" patternUnits="userSpaceOnUse" width="5" height="5" '
        'patternTransform="rotate(45)"><rect width="2.5" height="5" fill="#c00" fill-opacity="0.75"/>'
        "</pattern></defs></svg>\n"
        f'<h1>{escape(title)}</h1><p class="meta">{escape(meta)}</p>\n'
    )
    out.write(head.encode("utf-8"))
    out.write(_report(ctx).encode("utf-8"))
    out.write(_legend(ctx).encode("utf-8"))
    by_id = {s.district_id: s for s in ctx.scopes}
    current: int | None = None
    scale: _Scale | None = None
    spans = 0
    for done, t in enumerate(timelines, start=1):
        if t.district_id != current or scale is None:
            if current is not None:
                out.write(b"</section>\n")
            current = t.district_id
            scale = _district_scale(ctx, by_id[t.district_id], t.definition)
            out.write(
                f'<section class="district" data-district="{escape(t.district)}"><h2>{escape(t.district)}</h2>\n'
                f"{_axis(ctx, scale)}".encode()
            )
        out.write(_row(ctx, t, scale).encode("utf-8"))
        spans += len(t.spans)
        if progress is not None:
            progress(done, ctx.township_count)
    if current is not None:
        out.write(b"</section>\n")
    else:
        out.write(f"<p>{escape(tr('没有符合条件的乡镇', 'no township matches')(lang))}</p>\n".encode())
    out.write(b"</body></html>\n")
    return spans
