"""Excel: sheets for the timeline, the full event history, the gate checks of each
township and the district report (the last three for up to ``DETAIL_LIMIT``
townships); headers frozen, columns sized to their header in either language, dates
and times real Excel values, every text cell escaped (see
``common.safe``: applied here to each text cell as it is written, whatever its source),
and set up to print: A4 landscape, fitted to the page width, the header row repeated
on every page. XlsxWriter's constant-memory mode streams each sheet's rows to a
temporary file as they come (each row is written out when the next begins), so memory
stays flat however many townships are exported; it writes the cells faster than
openpyxl's write-only mode (measured on the same rows: see bench/run.py's export
figures)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any

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
    scope_note,
)
from workflow.app.exporters.csv_format import history_cells
from workflow.domain.timeline import TownshipTimeline
from workflow.i18n import Lang, Text, tr
from workflow.store.tables import Event, Township

MAX_ROWS = 1_048_576
RECORDED_AT = next(i for i, (key, _, _) in enumerate(HISTORY_COLUMNS) if key == "recorded_at")
DETAIL_LIMIT = 2000
"""Above this many townships the event, gate-check and report sheets are left out, and
each says so and where to get what it would hold. The gate checks and the report need
a township's or a district's records in memory. The events of so many townships (half a
million rows at 40,000: past Excel's million-row sheets at 80,000, every roster
import's payload cut at Excel's 32,767 characters a cell) are neither complete nor
readable in a spreadsheet, and writing them costs several times the timeline itself:
``workflow export history`` (a township's whole record) and ``workflow audit bundle``
(every event, verifiable offline) hold them whole."""

TITLES = {
    "timeline": Text("时间线", "Timeline"),
    "events": Text("事件记录", "Events"),
    "checks": Text("出口检查", "Gate checks"),
    "report": Text("区报告", "District report"),
}
REPORT_COLUMNS: tuple[tuple[str, Text, int], ...] = (
    ("item", Text("项目", "item"), 40),
    ("value", Text("数值", "value"), 40),
)

HISTORY_FIELDS = (
    col(Event.seq),
    col(Event.kind),
    col(Event.from_stage),
    col(Event.to_stage),
    col(Event.actor),
    col(Event.recorded_at),
    col(Event.effective_date),
    col(Event.note),
    col(Event.payload),
    col(Event.prev_hash),
    col(Event.hash),
)
"""What :func:`~workflow.app.exporters.csv_format.history_cells` reads of an event."""

CELL_LIMIT = 32_767
"""Excel's longest text cell (UTF-16 code units); XlsxWriter cuts longer text there."""

EPOCH = dt.datetime(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (for every date after February 1900)."""
DATE_FORMAT = "yyyy-mm-dd"
STAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"


class Book:
    """One workbook being written: its sheets in the order they are made, and the few
    cell formats every sheet shares (made once: a format per cell would be a style
    lookup per cell)."""

    def __init__(self, out: IO[bytes], lang: Lang) -> None:
        import xlsxwriter

        self.lang = lang
        # constant_memory: rows go to a temporary file per sheet (inline strings, no
        # shared-string table in memory); nothing in a text cell is read as a formula
        # or a link, whatever the options (cells are written as strings explicitly).
        self.wb = xlsxwriter.Workbook(
            out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        self.bold = self.wb.add_format({"bold": True})
        self.date = self.wb.add_format({"num_format": DATE_FORMAT})
        self.stamp = self.wb.add_format({"num_format": STAMP_FORMAT})
        self._days: dict[dt.date, int] = {}

    def sheet(
        self, title: str, columns: Sequence[tuple[str, Text, int]], ctx: ExportContext, freeze: str = "A2"
    ) -> Sheet:
        """A new sheet after the others, its columns sized, frozen at ``freeze``, set up
        to print, with its (bold) header row written."""
        ws = self.wb.add_worksheet(title)
        ws.freeze_panes(freeze)
        names = headers(columns, ctx.lang)
        for i, ((_, _, width), name) in enumerate(zip(columns, names, strict=True)):
            ws.set_column(i, i, max(width, display_width(name) + 2))
        # A4 landscape, all columns on one page width, as many pages down as needed,
        # the header row on every page, gridlines printed.
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.hide_gridlines(0)
        sheet = Sheet(self, ws)
        sheet.append(names, self.bold)
        return sheet

    def day(self, day: dt.date) -> int:
        """A date as an Excel serial day (each converted once: the same few hundred
        days recur on every row)."""
        serial = self._days.get(day)
        if serial is None:
            serial = self._days[day] = (day - EPOCH.date()).days
        return serial

    def close(self) -> None:
        self.wb.close()

    def fit(self, text: str) -> str:
        """``text`` if a cell holds it, else as much of it as fits followed by a note of
        what was left out (Excel's limit; the whole text is in ``export history``)."""
        data = text.encode("utf-16-le")
        units = len(data) // 2
        if units <= CELL_LIMIT:
            return text
        room = CELL_LIMIT - len(self._cut(units).encode("utf-16-le")) // 2
        head = data[: 2 * room].decode("utf-16-le", errors="ignore")  # never half a pair
        return head + self._cut(units - len(head.encode("utf-16-le")) // 2)

    def _cut(self, n: int) -> str:
        return tr(
            "…（超出 Excel 单元格 {m} 字符的上限，余下 {n} 字符从略；完整内容见 workflow export history）",
            "… (past Excel's limit of {m} characters a cell: the last {n} left out; "
            "the whole text: workflow export history)",
            m=CELL_LIMIT,
            n=n,
        )(self.lang)


def _instant(value: dt.datetime) -> float:
    """A date-time as an Excel serial (days and the fraction of a day)."""
    delta = value.replace(tzinfo=None) - EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


class Sheet:
    """Rows appended one after another; each value written as what it is: text
    (escaped), a number, a real date or date-time; None and empty text leave the cell
    blank."""

    def __init__(self, book: Book, ws: Any) -> None:
        self.book = book
        self.ws = ws
        self.title: str = ws.name
        self.rows = 0

    def append(self, values: Sequence[Any], fmt: Any = None) -> None:
        ws, r, book = self.ws, self.rows, self.book
        string, number = ws.write_string, ws.write_number
        for c, v in enumerate(values):
            cls = v.__class__
            if cls is str:
                if len(v) > CELL_LIMIT // 2:  # possibly too long (two UTF-16 units a character at most)
                    v = book.fit(safe(v))
                if v:
                    string(r, c, safe(v), fmt)
            elif cls is int or cls is float:
                number(r, c, v, fmt)
            elif v is None:
                pass
            elif cls is dt.date:
                number(r, c, book.day(v), book.date)
            elif cls is dt.datetime:
                number(r, c, _instant(v), book.stamp)
            elif cls is bool:
                ws.write_boolean(r, c, v, fmt)
            elif isinstance(v, int | float):
                number(r, c, v, fmt)
            else:
                string(r, c, safe(str(v)), fmt)
        self.rows = r + 1


def _stamp(recorded_at: str) -> Any:
    """A recorded-at time (ISO text, UTC) as a date-time (written as a real Excel
    date-time cell), or the text itself if it is not one."""
    try:
        return dt.datetime.fromisoformat(recorded_at.rstrip("Z"))
    except ValueError:
        return recorded_at


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    book = Book(out, ctx.lang)
    ws = book.sheet(TITLES["timeline"](ctx.lang), TIMELINE_COLUMNS, ctx, freeze="C2")
    table = TimelineRows(ctx)
    spans = 0
    append = ws.append
    for done, t in enumerate(timelines, start=1):
        for row in table.rows(t):
            append(row)
        spans += len(t.spans)
        if progress is not None:
            progress(done, ctx.township_count)
    if ctx.township_count > DETAIL_LIMIT:
        events = book.sheet(TITLES["events"](ctx.lang), HISTORY_COLUMNS, ctx, freeze="C2")
        events.append(
            [
                tr(
                    "所选乡镇超过{n}个：事件记录从略（电子表格放不下、也看不全这么多事件）；"
                    "完整、可核验的事件记录请用 workflow export history 乡镇 或 workflow audit bundle",
                    "more than {n} townships selected: the events are left out (a spreadsheet can neither "
                    "hold nor show so many whole); for the whole, verifiable record use "
                    "'workflow export history TOWNSHIP' or 'workflow audit bundle'",
                    n=DETAIL_LIMIT,
                )(ctx.lang)
            ]
        )
    else:
        _write_events(ctx, book)
    checks_ws = book.sheet(TITLES["checks"](ctx.lang), CHECK_COLUMNS, ctx, freeze="C2")
    report_ws = book.sheet(TITLES["report"](ctx.lang), REPORT_COLUMNS, ctx)
    if ctx.township_count > DETAIL_LIMIT:
        text = tr(
            "所选乡镇超过{n}个：为保持流式导出，此表从略；请用 workflow status / workflow report 查看",
            "more than {n} townships selected: this sheet is left out to keep the export streaming; "
            "use 'workflow status' / 'workflow report' instead",
            n=DETAIL_LIMIT,
        )(ctx.lang)
        checks_ws.append([text])
        report_ws.append([text])
    else:
        _write_checks(ctx, checks_ws)
        _write_report(ctx, report_ws)
    book.close()  # any binary stream will do
    return spans


def _write_events(ctx: ExportContext, book: Book) -> None:
    """Every event of the selected townships (within the dates, if given), spilling
    into further sheets past Excel's row limit."""
    from sqlalchemy import select as sa_select

    title = TITLES["events"](ctx.lang)
    ws = book.sheet(title, HISTORY_COLUMNS, ctx, freeze="C2")
    part = 1
    for scope in ctx.scopes:
        stmt = (
            sa_select(col(Township.name), *HISTORY_FIELDS)  # the fields, not ORM objects: cheaper per row
            .select_from(Event)
            .join(Township, col(Event.township_id) == col(Township.id))
            .where(col(Township.district_id) == scope.district_id)
        )
        if scope.township_ids is not None:
            stmt = stmt.where(col(Township.id).in_(list(scope.township_ids)))
        if ctx.date_from is not None:
            stmt = stmt.where(col(Event.effective_date) >= ctx.date_from)
        if ctx.date_to is not None:
            stmt = stmt.where(col(Event.effective_date) <= ctx.date_to)
        stmt = stmt.order_by(col(Event.township_id), col(Event.id))
        for ev in ctx.session.execute(stmt.execution_options(yield_per=2000)):
            if ws.rows >= MAX_ROWS:
                part += 1
                ws = book.sheet(f"{title} {part}", HISTORY_COLUMNS, ctx, freeze="C2")
            cells = history_cells(scope.name, ev[0], ev)
            cells[RECORDED_AT] = _stamp(ev.recorded_at)
            ws.append(cells)


def _township_ids(ctx: ExportContext) -> Iterable[int]:
    for scope in ctx.scopes:
        if scope.township_ids is not None:
            yield from sorted(scope.township_ids)
            continue
        stmt = select(Township.id).where(Township.district_id == scope.district_id)
        for tid in ctx.session.exec(stmt.order_by(col(Township.id))).all():
            if tid is not None:
                yield tid


def _write_checks(ctx: ExportContext, ws: Sheet) -> None:
    """Each township's exit-gate checks as ``workflow status`` shows them."""
    lang = ctx.lang
    defs = {s.name: ctx.definitions[s.district_id] for s in ctx.scopes}
    for tid in _township_ids(ctx):
        v = ctx.service.status(str(tid))
        d = defs.get(v.district, ctx.service.definition)
        stage = f"{d.stage(v.stage).order}.{ctx.stage_name(d, v.stage)}" if d.has_stage(v.stage) else v.stage
        if not v.checks:
            ws.append([v.district, v.township, stage, "", "-", "", "", "", ""])
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
                    v.district,
                    v.township,
                    stage,
                    c.id,
                    result,
                    str(c.actual),
                    str(c.required),
                    c.message(lang),
                    c.waiver_reason,
                ]
            )


def _write_report(ctx: ExportContext, ws: Sheet) -> None:
    """The district report of each district exported, from ``Service.report``."""
    note = scope_note(ctx)
    if note is not None:
        ws.append([note])
    for scope in ctx.scopes:
        report: dict[str, Any] = ctx.service.report(scope.name)
        ws.append([scope.name], ws.book.bold)
        for label, value in report_rows(report, ctx.definitions[scope.district_id], ctx.lang):
            ws.append([label, value])
        ws.append([])
