"""The district report inside the TUI: the figures of ``workflow report``, district
by district, then the whole database, as the seed's summary lines."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from workflow.domain.report import render_text
from workflow.errors import WorkflowError
from workflow.tui.context import lang, say, wf
from workflow.tui.keys import bindings, localise
from workflow.tui.widgets.footer import KeyFooter
from workflow.tui.widgets.message import MessageDialog
from workflow.tui.widgets.title_bar import TitleBar


class ReportScreen(Screen[None]):
    """Read-only: every district's report, then all districts together.

    | Key | Action |
    |---|---|
    | j / k, arrows, pageup / pagedown | scroll |
    | escape | back |
    | f5, ctrl+r | compute again |
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings("back", "down", "up")

    class Loaded(Message):
        def __init__(self, reports: list[tuple[str, dict[str, Any]]]) -> None:
            super().__init__()
            self.reports = reports

    class Failed(Message):
        def __init__(self, error: WorkflowError) -> None:
            super().__init__()
            self.error = error

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with VerticalScroll(id="report-body"):
            yield Static(say(self, "正在计算", "computing"), id="report-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        localise(self, lang(self))
        self.query_one("#report-body").focus()
        self.load()

    @work(thread=True, exclusive=True, group="report")
    def load(self) -> None:
        svc = wf(self).service
        try:
            reports = [(d.name, svc.report(d.name)) for d in svc.districts()]
            if len(reports) > 1:
                reports.append(("", svc.report(None)))
        except WorkflowError as e:
            self.post_message(self.Failed(e))
            return
        self.post_message(self.Loaded(reports))

    def on_report_screen_loaded(self, message: Loaded) -> None:
        t = lang(self)
        blocks = []
        for name, data in message.reports:
            head = name or say(self, "全部区合计", "All districts")
            rule = "=" * 40
            blocks.append(f"{head}\n{rule}\n{render_text(data, t)}")
        text = "\n\n".join(blocks) or say(self, "还没有区", "No district yet")
        self.query_one("#report-text", Static).update(text)

    def on_report_screen_failed(self, message: Failed) -> None:
        self.app.push_screen(MessageDialog.for_error(message.error, lang(self)))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.load()

    def action_cursor_down(self) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_down()

    def action_cursor_up(self) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_up()
