"""The dashboard: every district's progress, and its townships a page at a time."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text as RichText
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Static

from workflow.app.dashboard import COUNT_CAP, STATE_WORDS, GateState, Page, Progress, shown_total
from workflow.errors import WorkflowError
from workflow.i18n import Lang, Text, tr
from workflow.tui.context import lang, say, wf
from workflow.tui.keys import bindings, localise
from workflow.tui.labels import bulk_report, days_in_stage, deadline, due_text, gate_text, stage_step
from workflow.tui.markup import plain
from workflow.tui.widgets.confirm_advance import AdvanceRequest
from workflow.tui.widgets.confirm_bulk import ConfirmBulkAdvance
from workflow.tui.widgets.footer import KeyFooter
from workflow.tui.widgets.message import MessageDialog
from workflow.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from workflow.app.service import BulkOutcome

PAGE = 60
"""Rows read at most per query (a page is a screen full: see ``page_size``); more are
read when the cursor nears the end."""
AFTER_PAINT = 0.05
"""Seconds after a page is shown before what follows it is read (see ``_after_page``)."""
GATE_BATCH = 12
"""Gate states computed per round, so the rows on screen fill in first."""

COLUMNS: tuple[tuple[str, Text], ...] = (
    ("district", Text("区", "District")),
    ("township", Text("乡镇", "Township")),
    ("stage", Text("当前阶段", "Stage")),
    ("days", Text("本阶段天数", "Days in stage")),
    ("deadline", Text("期限", "Deadline")),
    ("gate", Text("下一关", "Next gate")),
    ("violations", Text("违纪举报", "Violations")),
)
DUE_COLUMN = ("due", Text("到期日", "Due"))
"""Shown on a wide terminal: the day the stage is due and the days left."""
WIDE = 160
NARROW_COLUMNS = ("township", "stage", "deadline", "gate")
"""What an 80-column terminal keeps, in order of need: the district, the days and the
report count go first (an open report shows as a failing check of the gate anyway)."""
NARROW = 100
"""Below this many columns the dashboard shows :data:`NARROW_COLUMNS` only."""


def shown_columns(width: int) -> tuple[tuple[str, Text], ...]:
    """The town table's columns for a terminal ``width`` wide."""
    if width >= WIDE:
        return (*COLUMNS[:5], DUE_COLUMN, *COLUMNS[5:])
    if width >= NARROW:
        return COLUMNS
    return tuple(c for c in COLUMNS if c[0] in NARROW_COLUMNS)


SELECTED = Text("[选]", "[x]")
"""The mark of a selected row, as text rather than colour alone."""


def town_cell(name: str, selected: bool, lang: Lang) -> RichText:
    """The township's name, marked when it is selected (never read as markup)."""
    return plain(f"{SELECTED(lang)} {name}" if selected else name)


def pack(parts: list[str], width: int, gap: str = "  ") -> str:
    """``parts`` on as few lines of ``width`` cells as fit, never splitting one part
    (a stage and its count stay together)."""
    lines: list[str] = []
    for part in parts:
        if lines and cell_len(lines[-1] + gap + part) <= width:
            lines[-1] += gap + part
        else:
            lines.append(part)
    return "\n".join(lines)


class TownTable(DataTable[str]):
    """The townships; Enter opens one (shown in the footer).

    | Key | Action |
    |---|---|
    | enter | open the township |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "打开", id="open", key_display="enter")
    ]


class DashboardScreen(Screen[None]):
    """Districts and their townships at a glance.

    Rows come from the database a page at a time (never the whole table), the gate
    state only for the rows read, all in workers.

    | Key | Action |
    |---|---|
    | enter | open the township |
    | j / k, arrows | move |
    | / | filter by name, stage or state |
    | space | select the township or not (those who may change it) |
    | a | advance the selected townships |
    | escape | clear the selection, else the filter |
    | h | history of the township |
    | R | the district report |
    | f5 | refresh |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings("filter", "select", "advance_selected", "history", "report", "refresh", "down", "up"),
        Binding("enter", "open", show=False, id="open.screen"),
        Binding("escape", "clear_filter", show=False, id="clear_filter"),
    ]

    class ProgressLoaded(Message):
        def __init__(self, progress: Progress) -> None:
            super().__init__()
            self.progress = progress

    class PageLoaded(Message):
        def __init__(self, request: int, page: Page, append: bool, cursor: int | None) -> None:
            super().__init__()
            self.request = request
            self.page = page
            self.append = append
            self.cursor = cursor

    class GatesLoaded(Message):
        def __init__(self, request: int, gates: dict[int, GateState]) -> None:
            super().__init__()
            self.request = request
            self.gates = gates

    class CountsLoaded(Message):
        def __init__(self, request: int, counts: dict[str, int], total: int | None) -> None:
            super().__init__()
            self.request = request
            self.counts = counts
            self.total = total

    class LoadFailed(Message):
        def __init__(self, error: WorkflowError) -> None:
            super().__init__()
            self.error = error

    class BulkDone(Message):
        """The selected townships were tried; ``outcomes`` says what became of each."""

        def __init__(self, outcomes: list[BulkOutcome]) -> None:
            super().__init__()
            self.outcomes = outcomes

    class BulkFailed(Message):
        """The service refused the whole request (a bad date, say); nothing changed."""

        def __init__(self, error: WorkflowError) -> None:
            super().__init__()
            self.error = error

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.request = 0
        self.next_start: int | None = None
        self.total: int | None = None
        self.more = False
        """More than ``total`` townships match (counted up to COUNT_CAP)."""
        self.fetching = False
        """A page is being read. (Not ``loading``: that is Textual's reactive, which covers
        the whole screen with a spinner and so takes the focus from the filter box.)"""
        self.open_when_loaded = False
        """Enter was pressed while the list was being filtered: open the first row of the
        new list once it is read, never a row of the old one."""
        self.debounce: Timer | None = None
        self.listed: dict[int, tuple[str, int]] = {}
        """The townships in the table: id -> (name, version shown)."""
        self.chosen: dict[int, tuple[str, int]] = {}
        """The selected townships: id -> (name, version shown on the dashboard)."""
        self.advancing = False
        """A bulk advance is running: ``a`` waits for its result."""
        self.first_page_done = False
        self.columns: tuple[tuple[str, Text], ...] = COLUMNS
        """The town table's columns now (fewer on a narrow terminal)."""
        self.progress: Progress | None = None
        self.filter_pending = False
        """The filter box changed and the list has not been asked for again yet."""
        self.reloading = False
        """The list is being read again from the top."""
        self.counts: dict[str, int] = {}
        """Townships per state word within the filter typed (see Dashboard.counts)."""
        self.counts_for = 0
        self.resumed = False
        """Shown before: coming back to it reads the list again."""

    def compose(self) -> ComposeResult:
        t = lang(self)
        yield TitleBar()
        yield Label(tr("各区进度", "Progress by district")(t), classes="section-title")
        yield DataTable(id="progress", cursor_type="none", show_cursor=False)
        with Horizontal(id="filter-bar"):
            yield Label(tr("筛选 /", "Filter /")(t), id="filter-label")
            yield Input(
                placeholder=tr(
                    "名称、阶段（如 4/8、推选）或状态：逾期 受阻 就绪 豁免 违纪 我的",
                    "name, stage (4/8, nominate) or state: overdue blocked ready waived violation mine",
                )(t),
                id="filter",
            )
        yield TownTable(id="towns", cursor_type="row", zebra_stripes=True)
        yield Static("", id="pager")
        yield KeyFooter()

    def on_mount(self) -> None:
        localise(self, lang(self))
        t = lang(self)
        progress = self.query_one("#progress", DataTable)
        progress.can_focus = False
        for key, label in (
            ("district", tr("区", "District")),
            ("total", tr("乡镇数", "Townships")),
            ("done", tr("已完成", "Completed")),
            ("stages", tr("各阶段乡镇数", "Townships per stage")),
        ):
            progress.add_column(label(t), key=key)
        towns = self.query_one("#towns", DataTable)
        self.columns = shown_columns(self.app.size.width)
        for key, label in self.columns:
            towns.add_column(label(t), key=key)
        localise(towns, lang(self))
        towns.focus()
        self.first_page()  # the townships first; the progress and who is acting follow

    def first_page(self) -> None:
        """The first page, read before the screen is first drawn (one indexed query, as
        the session check before it), so that the first frame already shows townships;
        every later page is read by a worker."""
        self._reading_from_top()
        try:
            page = wf(self).board.page(
                self.query_one("#filter", Input).value, 0, self.page_size(), counted=False
            )
        except WorkflowError as e:
            self.post_message(self.LoadFailed(e))
            return
        self.on_dashboard_screen_page_loaded(self.PageLoaded(self.request, page, False, None))

    def _after_first_page(self) -> None:
        if not self.first_page_done:
            self.first_page_done = True
            wf(self).want_viewer()
            self.load_progress()

    # ------------------------------------------------------------ workers

    @work(thread=True, exclusive=True, group="progress")
    def load_progress(self) -> None:
        try:
            rows = wf(self).board.progress()
        except WorkflowError as e:
            self.post_message(self.LoadFailed(e))
            return
        self.post_message(self.ProgressLoaded(rows))

    @work(thread=True, exclusive=True, group="page")
    def load_page(
        self, request: int, text: str, start: int, limit: int, append: bool, cursor: int | None
    ) -> None:
        try:  # counted after the rows are shown (load_counts)
            page = wf(self).board.page(text, start, limit, counted=False)
        except WorkflowError as e:
            self.post_message(self.LoadFailed(e))
            return
        self.post_message(self.PageLoaded(request, page, append, cursor))

    @work(thread=True, exclusive=True, group="counts")
    def load_counts(self, request: int, text: str) -> None:
        board = wf(self).board
        try:
            total = board.matches(text)
            counts = board.counts(text)
        except WorkflowError:
            return  # the counts are a help, not a must: the list says what went wrong
        self.post_message(self.CountsLoaded(request, counts, total))

    @work(thread=True, exclusive=True, group="bulk")
    def submit_bulk(self, req: AdvanceRequest, townships: list[tuple[int, int]]) -> None:
        """Ask the service to advance each (id, version shown); it reports each one."""
        from workflow.app.service import BulkInterrupted

        try:
            outcomes = wf(self).service.advance_many(townships, on=req.on or None, note=req.note)
        except BulkInterrupted as e:  # what happened up to the fault, township by township
            outcomes = e.outcomes
        except WorkflowError as e:
            self.post_message(self.BulkFailed(e))
            return
        self.post_message(self.BulkDone(outcomes))

    @work(thread=True, group="gates")
    def load_gates(self, request: int, ids: list[int]) -> None:
        board = wf(self).board
        for i in range(0, len(ids), GATE_BATCH):
            if request != self.request:
                return
            try:
                gates = board.gate_states(ids[i : i + GATE_BATCH])
            except WorkflowError as e:
                self.post_message(self.LoadFailed(e))
                return
            self.post_message(self.GatesLoaded(request, gates))

    # ------------------------------------------------------------ loading

    def reload(self, keep: bool = False) -> None:
        """Read the list again from the top (keeping as many rows and the cursor)."""
        towns = self.query_one("#towns", DataTable)
        self._reading_from_top()
        limit = max(self.page_size(), towns.row_count) if keep else self.page_size()
        cursor = towns.cursor_row if keep else None
        self.load_page(self.request, self.query_one("#filter", Input).value, 0, limit, False, cursor)

    def page_size(self) -> int:
        """Rows a page reads: a screen full (the table is shorter than the terminal),
        however tall, up to PAGE; fewer rows to fill make a filter's answer appear
        sooner, and moving to the end reads the next page."""
        return max(min(PAGE, self.app.size.height), 20)

    def _reading_from_top(self) -> None:
        """A new read of the list from the top: any pending filter read is dropped and
        answers to earlier requests are ignored."""
        if self.debounce is not None:
            self.debounce.stop()
        self.filter_pending = False
        self.reloading = True
        self.request += 1
        self.fetching = True

    def on_dashboard_screen_progress_loaded(self, message: ProgressLoaded) -> None:
        self.progress = message.progress
        self.show_progress()

    def show_progress(self) -> None:
        """The districts' progress; the per-stage counts wrap within the screen (on a
        narrow one as steps, 4/8:3, the names being in the stage column below)."""
        summary = self.progress
        if summary is None:
            return
        t = lang(self)
        d = wf(self).access.definition
        table = self.query_one("#progress", DataTable)
        table.clear(columns=True)
        rows = list(summary.districts)
        if summary.overall is not None:
            rows.append(summary.overall)
        names = [
            p.district or say(self, "合计（另有{n}个区）", "all (and {n} more districts)", n=summary.more)
            for p in rows
        ]
        labels = (tr("区", "District"), tr("乡镇数", "Townships"), tr("已完成", "Completed"))
        widths = [
            max([cell_len(labels[0](t)), *(cell_len(n) for n in names), 12]),
            cell_len(labels[1](t)),
            cell_len(labels[2](t)),
        ]
        for (key, label), width in zip(
            zip(("district", "total", "done"), labels, strict=True), widths, strict=True
        ):
            table.add_column(label(t), key=key, width=width)
        free = max(self.app.size.width - 2 - sum(widths) - 2 * 4 - 2, 16)
        table.add_column(tr("各阶段乡镇数", "Townships per stage")(t), key="stages", width=free)
        narrow = self.app.size.width < NARROW
        n = len(d.working_stages())
        for p, name in zip(rows, names, strict=True):
            parts = [
                (
                    f"{s.order}/{n}:{p.by_stage[s.id]}"
                    if narrow
                    else f"{s.order}.{s.label()(t)} {p.by_stage[s.id]}"
                )
                for s in d.working_stages()
                if p.by_stage.get(s.id)
            ]
            table.add_row(
                plain(name),
                str(p.total),
                str(p.by_stage.get(d.final, 0)),
                plain(pack(parts, free) or "-"),
                height=None,
            )

    def on_resize(self, event: events.Resize) -> None:
        columns = shown_columns(self.app.size.width)
        if columns != self.columns:
            self.columns = columns
            towns = self.query_one("#towns", DataTable)
            towns.clear(columns=True)
            for key, label in columns:
                towns.add_column(label(lang(self)), key=key)
            self.reload(keep=True)
        self.show_progress()

    def on_dashboard_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.request != self.request:
            return
        t = lang(self)
        app = wf(self)
        default, today = app.access.definition, app.access.today()
        towns = self.query_one("#towns", DataTable)
        if not message.append:
            towns.clear()
            self.listed.clear()
        page = message.page
        for r in page.rows:
            d = page.definitions.get(r.district_id, default)  # the district's own, if it has one
            self.listed[r.id] = (r.name, r.version)
            if r.id in self.chosen:
                self.chosen[r.id] = (r.name, r.version)  # what the row shows now
            cells = {
                "district": plain(r.district),
                "township": town_cell(r.name, r.id in self.chosen, t),
                "stage": plain(stage_step(d, r.stage, t)),
                "days": plain(days_in_stage(r.stage_since, today) if r.stage != d.final else "-"),
                "deadline": plain(deadline(d, r.stage, r.stage_since, today, t)),
                "due": plain(due_text(d, r.stage, r.stage_since, today, t)),
                "gate": plain(gate_text(page.gates.get(r.id), t)),
                "violations": plain(str(r.open_violations) if r.open_violations else "-"),
            }
            towns.add_row(*(cells[key] for key, _label in self.columns), key=str(r.id))
        self.next_start = page.next_start
        if page.total is not None or not message.append:  # a later page is not counted again
            self.total, self.more = page.total, page.more
        self.fetching = False
        if message.cursor is not None and towns.row_count:
            towns.move_cursor(row=min(message.cursor, towns.row_count - 1), animate=False)
        if not message.append:
            self.reloading = False
        self.show_pager()
        if self.open_when_loaded and not self.reloading and not self.filter_pending:
            self.open_when_loaded = False
            self.action_open()
        missing = [r.id for r in page.rows if r.id not in page.gates]
        # Gate states, counts, progress and who is acting are read a moment after these
        # rows are drawn: their queries, started at once, held up the frame's writing
        # to the terminal (a tenth of a keystroke's answer).
        self.set_timer(AFTER_PAINT, partial(self._after_page, message.request, missing))

    def _after_page(self, request: int, missing: list[int]) -> None:
        self._after_first_page()
        if request == self.request and self.counts_for != request:
            self.counts_for = request
            self.load_counts(request, self.query_one("#filter", Input).value)
        if missing:
            self.load_gates(request, missing)

    def on_dashboard_screen_gates_loaded(self, message: GatesLoaded) -> None:
        if message.request != self.request:
            return
        towns = self.query_one("#towns", DataTable)
        for tid, g in message.gates.items():
            if str(tid) in towns.rows and any(key == "gate" for key, _label in self.columns):
                towns.update_cell(str(tid), "gate", plain(gate_text(g, lang(self))), update_width=True)

    def on_dashboard_screen_load_failed(self, message: LoadFailed) -> None:
        self.fetching = False
        self.reloading = False
        self.open_when_loaded = False
        self._after_first_page()
        wf(self).show_problem(message.error, lambda: self.reload(keep=True))

    def on_dashboard_screen_counts_loaded(self, message: CountsLoaded) -> None:
        if message.request == self.request:
            self.counts = message.counts
            if message.total is not None and self.total is None:
                listed = self.query_one("#towns", DataTable).row_count
                self.total, self.more = shown_total(message.total, listed)
            self.show_pager()

    def show_pager(self) -> None:
        towns = self.query_one("#towns", DataTable)
        shown = towns.row_count
        if self.total is not None and self.more:
            text = say(
                self,
                "已显示 {n} / 超过 {t:,} 个乡镇",
                "showing {n} of more than {t:,} townships",
                n=shown,
                t=self.total,
            )
        elif self.total is not None:
            text = say(
                self, "已显示 {n} / 共 {t} 个乡镇", "showing {n} of {t} townships", n=shown, t=self.total
            )
        elif self.next_start is not None:
            text = say(self, "已显示 {n} 个乡镇，还有更多", "showing {n} townships, more to come", n=shown)
        else:
            text = say(self, "共 {n} 个乡镇", "{n} townships", n=shown)
        if self.next_start is not None:
            text += say(self, "（移到末尾自动加载）", " (moving to the end loads more)")
        if self.chosen:
            text += say(self, "  已选 {n} 个乡镇", "  {n} selected", n=len(self.chosen))
        if self.counts:
            t = lang(self)
            words = {s: next(w for w in STATE_WORDS[s] if w.isascii() == (t == "en")) for s in self.counts}
            text += "    " + "  ".join(
                f"{words[s]} {f'{COUNT_CAP:,}+' if n > COUNT_CAP else n}" for s, n in self.counts.items()
            )
        self.query_one("#pager", Static).update(text)

    @on(DataTable.RowHighlighted, "#towns")
    def near_end(self, event: DataTable.RowHighlighted) -> None:
        towns = event.data_table
        if self.next_start is not None and not self.fetching and event.cursor_row >= towns.row_count - 5:
            self.fetching = True
            self.load_page(
                self.request, self.query_one("#filter", Input).value, self.next_start, PAGE, True, None
            )

    # ------------------------------------------------------------ filter

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        if self.debounce is not None:
            self.debounce.stop()
        self.filter_pending = True
        self.debounce = self.set_timer(0.25, self.reload)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        """Enter in the box: filter now (not after the pause) and go to the list."""
        if self.filter_pending:
            self.reload()
        self.query_one("#towns", DataTable).focus()

    def list_is_stale(self) -> bool:
        """The rows on screen are not yet those of the filter typed."""
        return self.filter_pending or self.reloading

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Escape: clear the selection if there is one, else the filter."""
        if self.chosen:
            self.unselect_all()
            return
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
            if self.debounce is not None:
                self.debounce.stop()
            self.reload()
        self.query_one("#towns", DataTable).focus()

    # ------------------------------------------------------------ actions

    def selected(self) -> int | None:
        towns = self.query_one("#towns", DataTable)
        if towns.row_count == 0:
            return None
        key = towns.coordinate_to_cell_key(towns.cursor_coordinate).row_key.value
        return int(key) if key else None

    @on(DataTable.RowSelected, "#towns")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        if self.list_is_stale():
            self.open_when_loaded = True  # the first row of the new list, once read
            return
        if event.row_key.value:
            wf(self).open_township(int(event.row_key.value))

    def action_open(self) -> None:
        if self.list_is_stale():
            self.open_when_loaded = True
            return
        tid = self.selected()
        if tid is not None:
            wf(self).open_township(tid)

    def action_history(self) -> None:
        tid = self.selected()
        if tid is not None:
            wf(self).open_history(tid)

    def action_report(self) -> None:
        from workflow.tui.screens.report import ReportScreen  # loaded on first use

        self.app.push_screen(ReportScreen())

    # ------------------------------------------------------------ selection

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Selecting and bulk advancing only for those who may change something;
        ``a`` only with a selection (without one it does nothing here)."""
        if action == "toggle_select":
            return wf(self).may_change_any()
        if action == "advance_selected":
            return wf(self).may_change_any() and bool(self.chosen) and not self.advancing
        return True

    def mark_row(self, tid: int) -> None:
        """Show the row of ``tid`` (if it is listed) as selected or not."""
        towns = self.query_one("#towns", DataTable)
        row = self.listed.get(tid)
        if row is not None and str(tid) in towns.rows:
            cell = town_cell(row[0], tid in self.chosen, lang(self))
            if not any(key == "township" for key, _label in self.columns):
                return
            towns.update_cell(str(tid), "township", cell, update_width=True)

    def chosen_changed(self) -> None:
        self.show_pager()
        self.refresh_bindings()

    def unselect_all(self) -> None:
        ids = list(self.chosen)
        self.chosen.clear()
        for tid in ids:
            self.mark_row(tid)
        self.chosen_changed()

    def action_toggle_select(self) -> None:
        tid = self.selected()
        if tid is None:
            return
        app = wf(self)
        if tid in self.chosen:
            del self.chosen[tid]
        else:
            row = self.listed.get(tid)
            if row is None:
                return
            if not app.may_change(tid):
                self.notify(
                    say(self, "无权修改「{n}」，不能选择。", "You may not change '{n}'.", n=row[0]),
                    severity="warning",
                )
                return
            self.chosen[tid] = row
        self.mark_row(tid)
        self.chosen_changed()

    def action_advance_selected(self) -> None:
        if not self.chosen:
            return
        townships = [(tid, version) for tid, (_name, version) in self.chosen.items()]
        names = [name for name, _version in self.chosen.values()]

        def confirmed(req: AdvanceRequest | None) -> None:
            if req is not None:
                self.advancing = True
                self.refresh_bindings()
                self.submit_bulk(req, townships)

        self.app.push_screen(ConfirmBulkAdvance(names, wf(self).access.today(), lang(self)), confirmed)

    def on_dashboard_screen_bulk_done(self, message: BulkDone) -> None:
        t = lang(self)
        left = any(o.outcome != "advanced" for o in message.outcomes)
        self.advancing = False
        self.unselect_all()
        self.app.push_screen(
            MessageDialog(
                say(self, "批量推进结果", "Bulk advance: result"),
                bulk_report(message.outcomes, t),
                t,
                warning=left,
            )
        )
        self.action_refresh()

    def on_dashboard_screen_bulk_failed(self, message: BulkFailed) -> None:
        self.advancing = False
        self.refresh_bindings()
        self.app.push_screen(MessageDialog.for_error(message.error, lang(self)))

    def action_refresh(self) -> None:
        self.load_progress()
        self.reload(keep=True)

    def action_cursor_down(self) -> None:
        self.query_one("#towns", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#towns", DataTable).action_cursor_up()

    def on_screen_resume(self) -> None:
        # back from another screen: read the list again (not when first shown: the
        # first page was read on mount)
        if self.resumed and self.query_one("#towns", DataTable).row_count:
            self.action_refresh()
        self.resumed = True
