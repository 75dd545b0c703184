"""A township's history: every event, oldest first, and whether its chain verifies."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from workflow.app.views import Event, TownRow
from workflow.domain.definition import Definition
from workflow.errors import WorkflowError
from workflow.i18n import Lang, Text, tr
from workflow.ledger.chain import Problem
from workflow.tui.context import lang, say, wf
from workflow.tui.keys import bindings, localise
from workflow.tui.labels import event_detail, event_flags, event_kind, recorded, stage_step
from workflow.tui.markup import plain
from workflow.tui.widgets.footer import KeyFooter
from workflow.tui.widgets.message import MessageDialog
from workflow.tui.widgets.title_bar import TitleBar

COLUMNS: tuple[tuple[str, Text], ...] = (
    ("seq", Text("序号", "No.")),
    ("effective", Text("生效日期", "Effective")),
    ("recorded", Text("记录时间(UTC)", "Recorded (UTC)")),
    ("actor", Text("操作人", "Actor")),
    ("kind", Text("操作", "Kind")),
    ("flags", Text("标记", "Marks")),
    ("step", Text("阶段变化", "From -> to")),
    ("hash", Text("事件哈希", "Event hash")),
    ("detail", Text("内容与说明", "Details and note")),
)
HASH_SHOWN = 12
"""Hex digits of each event's hash in the table; the side panel shows all 64."""


def event_panel(e: Event, d: Definition, lang: Lang) -> RichText:
    """Everything about one event, for an auditor: full hashes (copy with c), the
    payload's details and the note."""
    out = RichText()
    colon = tr("：", ": ")(lang)
    out.append(tr("事件 {s}", "Event {s}", s=e.seq)(lang) + "\n", style="bold")
    out.append(
        tr("本事件哈希（c 复制）", "This event's hash (c copies it)")(lang) + colon + "\n", style="bold"
    )
    out.append(f"{e.hash}\n")
    out.append(tr("前一事件哈希", "Previous event's hash")(lang) + colon + "\n", style="bold")
    out.append(f"{e.prev_hash}\n")
    rows = (
        (tr("操作", "Kind"), event_kind(e.kind, lang)),
        (tr("操作人", "Actor"), e.actor),
        (tr("生效日期", "Effective"), e.effective_date.isoformat()),
        (tr("记录时间(UTC)", "Recorded (UTC)"), recorded(e.recorded_at)),
        (tr("阶段变化", "From -> to"), step_text(e, d, lang)),
        (tr("标记", "Marks"), " ".join(event_flags(e, lang)) or "-"),
        (tr("内容与说明", "Details and note"), event_detail(e, d, lang, full=True) or "-"),
    )
    for label, value in rows:
        out.append(label(lang) + colon, style="bold")
        out.append(f"{value}\n")
    return out


def step_text(e: Event, d: Definition, lang: Lang) -> str:
    step = stage_step(d, e.to_stage, lang)
    if e.from_stage != e.to_stage:
        step = f"{stage_step(d, e.from_stage, lang) if e.from_stage else '-'} -> {step}"
    return step


class HistoryScreen(Screen[None]):
    """Read-only: what an auditor reads. Returns, waivers and backdated events are
    marked [退回] [豁免] [补记]; the event under the cursor is shown whole on the side.

    | Key | Action |
    |---|---|
    | j / k, arrows | move |
    | c | copy the event's full hash |
    | escape | back |
    | f5, ctrl+r | read again |
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("back", "copy_hash", "down", "up")

    class Loaded(Message):
        def __init__(
            self, town: TownRow, events: list[Event], problem: Problem | None, definition: Definition
        ) -> None:
            super().__init__()
            self.town = town
            self.definition = definition
            self.events = events
            self.problem = problem

    class Failed(Message):
        def __init__(self, error: WorkflowError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, township_id: int) -> None:
        super().__init__()
        self.township_id = township_id
        self.events: dict[str, Event] = {}
        self.definition: Definition | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(say(self, "正在读取", "loading"), id="history-head", markup=False)
        with Horizontal(id="history-body"):
            yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="event-detail", can_focus=False):
                yield Static("", id="event-panel", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        localise(self, lang(self))
        table = self.query_one("#events", DataTable)
        for key, label in COLUMNS:
            table.add_column(label(lang(self)), key=key)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="history")
    def load(self) -> None:
        try:
            svc = wf(self).service
            town, events, problem = svc.history(str(self.township_id))
            definition = svc.definition_of(town)
        except WorkflowError as e:
            self.post_message(self.Failed(e))
            return
        self.post_message(self.Loaded(town, events, problem, definition))

    def on_history_screen_loaded(self, message: Loaded) -> None:
        t = lang(self)
        d = message.definition
        town, events = message.town, message.events
        self.definition = d
        if message.problem is None:
            chain = say(
                self,
                "「{t}」的审计链校验：通过（{n}个事件）",
                "audit chain of '{t}' verifies ({n} events)",
                t=town.name,
                n=len(events),
            )
        else:
            chain = say(self, "审计链校验：失败：{p}", "audit chain FAILS: {p}", p=message.problem.text(t))
        head = say(self, "「{n}」的历史，最早的在前", "History of '{n}', oldest first", n=town.name)
        self.query_one("#history-head", Static).update(f"{head}\n{chain}")
        table = self.query_one("#events", DataTable)
        row = table.cursor_row
        table.clear()
        self.events = {str(e.seq): e for e in events}
        for e in events:
            table.add_row(
                plain(e.seq),
                plain(e.effective_date.isoformat()),
                plain(recorded(e.recorded_at)),
                plain(e.actor),
                plain(event_kind(e.kind, t)),
                plain(" ".join(event_flags(e, t))),
                plain(step_text(e, d, t)),
                plain(e.hash[:HASH_SHOWN] + "…"),
                plain(event_detail(e, d, t)),
                key=str(e.seq),
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)
            self.show_event(table.cursor_row)

    @on(DataTable.RowHighlighted, "#events")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_event(event.cursor_row)

    def current(self) -> Event | None:
        table = self.query_one("#events", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.events.get(key or "")

    def show_event(self, row: int) -> None:
        e = self.current()
        if e is not None and self.definition is not None:
            self.query_one("#event-panel", Static).update(event_panel(e, self.definition, lang(self)))

    def action_copy_hash(self) -> None:
        e = self.current()
        if e is not None:
            self.app.copy_to_clipboard(e.hash)
            self.notify(say(self, "已复制事件 {s} 的哈希", "copied the hash of event {s}", s=e.seq))

    def action_refresh(self) -> None:
        self.load()

    def on_history_screen_failed(self, message: Failed) -> None:
        self.app.push_screen(MessageDialog.for_error(message.error, lang(self)))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.query_one("#events", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#events", DataTable).action_cursor_up()
