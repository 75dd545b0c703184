"""A township's history: every event, oldest first, and whether its chain verifies."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from workflow.app.views import Event, TownRow
from workflow.domain.definition import Definition
from workflow.errors import WorkflowError
from workflow.i18n import Text
from workflow.ledger.chain import Problem
from workflow.tui.context import lang, say, wf
from workflow.tui.keys import bindings, localise
from workflow.tui.labels import event_detail, event_flags, event_kind, recorded, stage_step
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
    ("detail", Text("内容与说明", "Details and note")),
)


class HistoryScreen(Screen[None]):
    """Read-only: what an auditor reads. Returns, waivers and backdated events are
    marked [退回] [豁免] [补记].

    | Key | Action |
    |---|---|
    | j / k, arrows | move |
    | escape | back |
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("back", "down", "up")

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

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(say(self, "正在读取", "loading"), id="history-head", markup=False)
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)

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
        if message.problem is None:
            chain = say(
                self, "审计链校验：通过（{n}个事件）", "audit chain verifies ({n} events)", n=len(events)
            )
        else:
            chain = say(self, "审计链校验：失败：{p}", "audit chain FAILS: {p}", p=message.problem.text(t))
        head = say(self, "「{n}」的历史，最早的在前", "History of '{n}', oldest first", n=town.name)
        self.query_one("#history-head", Static).update(f"{head}    {chain}")
        table = self.query_one("#events", DataTable)
        table.clear()
        for e in events:
            step = stage_step(d, e.to_stage, t)
            if e.from_stage != e.to_stage:
                step = f"{stage_step(d, e.from_stage, t) if e.from_stage else '-'} -> {step}"
            table.add_row(
                str(e.seq),
                e.effective_date.isoformat(),
                recorded(e.recorded_at),
                e.actor,
                event_kind(e.kind, t),
                " ".join(event_flags(e, t)),
                step,
                event_detail(e, d, t),
                key=str(e.seq),
            )

    def on_history_screen_failed(self, message: Failed) -> None:
        self.app.push_screen(MessageDialog.for_error(message.error, lang(self)))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.query_one("#events", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#events", DataTable).action_cursor_up()
