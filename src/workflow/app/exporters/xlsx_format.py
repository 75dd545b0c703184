"""Excel: sheets for the timeline, the full event history, the gate checks of each
township and the district report; headers frozen, columns sized to their header in
either language, dates and times real Excel values, every text cell escaped (see
``common.safe``), and set up to print: A4 landscape, fitted to the page width, the
header row repeated on every page. openpyxl's write-only mode streams each sheet's
rows to disk as they come, through lxml's incremental writer when lxml is installed
(a dependency of this project: it writes the cells about twice as fast as openpyxl's
pure-Python fallback, which measured 90% of an export's time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from sqlmodel import col, select

from workflow.app.exporters.common import (
    CHECK_COLUMNS,
    HISTORY_COLUMNS,
    TIMELINE_COLUMNS,
    ExportContext,
    Progress,
    TimelineRows,
    display_width,
    headers,
    report_rows,
    safe,
    safe_row,
    scope_note,
)
from workflow.app.exporters.csv_format import history_cells
from workflow.domain.timeline import TownshipTimeline
from workflow.i18n import Text, tr
from workflow.store.tables import Event, Township

if TYPE_CHECKING:
    from openpyxl import Workbook

WriteOnlyWorksheet = Any
"""openpyxl's write-only sheet (its type stubs lack ``column_dimensions``)."""

MAX_ROWS = 1_048_576
RECORDED_AT = next(i for i, (key, _, _) in enumerate(HISTORY_COLUMNS) if key == "recorded_at")
DETAIL_LIMIT = 2000
"""Above this many townships the gate-check and report sheets are left out (each needs
a township's or a district's records in memory); the sheet says so."""

TITLES = {
    "timeline": Text("时间线", "Timeline"),
    "events": Text("事件记录", "Events"),
    "checks": Text("出口检查", "Gate checks"),
    "report": Text("区报告", "District report"),
}


def _sheet(
    wb: Workbook,
    title: str,
    columns: Sequence[tuple[str, Text, int]],
    ctx: ExportContext,
    freeze: str = "A2",
    index: int | None = None,
) -> WriteOnlyWorksheet:
    from openpyxl.utils import get_column_letter

    ws: WriteOnlyWorksheet = wb.create_sheet(title, index)
    ws.freeze_panes = freeze
    names = headers(columns, ctx.lang)
    for i, ((_, _, width), name) in enumerate(zip(columns, names, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(width, display_width(name) + 2)
    _print_setup(ws)
    ws.append([_bold(ws, safe(h)) for h in names])
    return ws


def _print_setup(ws: WriteOnlyWorksheet) -> None:
    """A4 landscape, all columns on one page width, the header row on every page
    (set before the first row: the sheet's properties are written with it)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True


def _stamp(ws: WriteOnlyWorksheet, recorded_at: str) -> Any:
    """A recorded-at time (ISO text, UTC) as a real Excel date-time cell."""
    from openpyxl.cell import WriteOnlyCell

    try:
        value: Any = dt.datetime.fromisoformat(recorded_at.rstrip("Z")).replace(tzinfo=None)
    except ValueError:
        return safe(recorded_at)
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return cell


def _bold(ws: WriteOnlyWorksheet, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(ws, value=value)
    cell.font = Font(bold=True)
    return cell


def _note(ws: WriteOnlyWorksheet, text: str) -> None:
    ws.append([safe(text)])


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = _sheet(wb, TITLES["timeline"](ctx.lang), TIMELINE_COLUMNS, ctx, freeze="C2")
    events_ws = _sheet(wb, TITLES["events"](ctx.lang), HISTORY_COLUMNS, ctx, freeze="C2")
    checks_ws = _sheet(wb, TITLES["checks"](ctx.lang), CHECK_COLUMNS, ctx, freeze="C2")
    report_cols = (
        ("item", Text("项目", "item"), 40),
        ("value", Text("数值", "value"), 40),
    )
    report_ws = _sheet(wb, TITLES["report"](ctx.lang), report_cols, ctx)
    table = TimelineRows(ctx)
    spans = 0
    for done, t in enumerate(timelines, start=1):
        for row in table.rows(t):
            ws.append(safe_row(row))
        spans += len(t.spans)
        if progress is not None:
            progress(done, ctx.township_count)
    _write_events(ctx, wb, events_ws)
    if ctx.township_count > DETAIL_LIMIT:
        text = tr(
            "所选乡镇超过{n}个：为保持流式导出，此表从略；请用 workflow status / workflow report 查看",
            "more than {n} townships selected: this sheet is left out to keep the export streaming; "
            "use 'workflow status' / 'workflow report' instead",
            n=DETAIL_LIMIT,
        )(ctx.lang)
        _note(checks_ws, text)
        _note(report_ws, text)
    else:
        _write_checks(ctx, checks_ws)
        _write_report(ctx, report_ws)
    wb.save(out)  # any binary stream will do
    return spans


def _write_events(ctx: ExportContext, wb: Workbook, ws: WriteOnlyWorksheet) -> None:
    """Every event of the selected townships (within the dates, if given), spilling
    into further sheets past Excel's row limit."""
    title = TITLES["events"](ctx.lang)
    rows, part = 1, 1
    for scope in ctx.scopes:
        stmt = (
            select(Township.name, Event)
            .join(Township, col(Event.township_id) == col(Township.id))
            .where(Township.district_id == scope.district_id)
        )
        if scope.township_ids is not None:
            stmt = stmt.where(col(Township.id).in_(list(scope.township_ids)))
        if ctx.date_from is not None:
            stmt = stmt.where(col(Event.effective_date) >= ctx.date_from)
        if ctx.date_to is not None:
            stmt = stmt.where(col(Event.effective_date) <= ctx.date_to)
        stmt = stmt.order_by(col(Event.township_id), col(Event.id))
        for name, ev in ctx.session.exec(stmt.execution_options(yield_per=2000)):
            if rows >= MAX_ROWS:
                part += 1
                index = wb.sheetnames.index(ws.title) + 1
                ws = _sheet(wb, f"{title} {part}", HISTORY_COLUMNS, ctx, freeze="C2", index=index)
                rows = 1
            cells = safe_row(history_cells(scope.name, name, ev))
            cells[RECORDED_AT] = _stamp(ws, ev.recorded_at)
            ws.append(cells)
            rows += 1


def _township_ids(ctx: ExportContext) -> Iterable[int]:
    for scope in ctx.scopes:
        if scope.township_ids is not None:
            yield from sorted(scope.township_ids)
            continue
        stmt = select(Township.id).where(Township.district_id == scope.district_id)
        for tid in ctx.session.exec(stmt.order_by(col(Township.id))).all():
            if tid is not None:
                yield tid


def _write_checks(ctx: ExportContext, ws: WriteOnlyWorksheet) -> None:
    """Each township's exit-gate checks as ``workflow status`` shows them."""
    lang = ctx.lang
    defs = {s.name: ctx.definitions[s.district_id] for s in ctx.scopes}
    for tid in _township_ids(ctx):
        v = ctx.service.status(str(tid))
        d = defs.get(v.district, ctx.service.definition)
        stage = safe(
            f"{d.stage(v.stage).order}.{ctx.stage_name(d, v.stage)}" if d.has_stage(v.stage) else v.stage
        )
        if not v.checks:
            ws.append([safe(v.district), safe(v.township), stage, "", "-", "", "", "", ""])
            continue
        for c in v.checks:
            if c.passed:
                result = tr("通过", "pass")(lang)
            elif c.waived:
                result = tr("已豁免", "waived")(lang)
            else:
                result = tr("未通过", "FAIL")(lang)
            ws.append(
                [
                    safe(v.district),
                    safe(v.township),
                    stage,
                    safe(c.id),
                    result,
                    safe(str(c.actual)),
                    safe(str(c.required)),
                    safe(c.message(lang)),
                    safe(c.waiver_reason),
                ]
            )


def _write_report(ctx: ExportContext, ws: WriteOnlyWorksheet) -> None:
    """The district report of each district exported, from ``Service.report``."""
    note = scope_note(ctx)
    if note is not None:
        _note(ws, note)
    for scope in ctx.scopes:
        report: dict[str, Any] = ctx.service.report(scope.name)
        ws.append([_bold(ws, safe(scope.name))])
        for label, value in report_rows(report, ctx.definitions[scope.district_id], ctx.lang):
            ws.append([safe(label), safe(value) if isinstance(value, str) else value])
        ws.append([])
