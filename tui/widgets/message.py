"""A dialog that shows why something was refused, and stays until dismissed."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from workflow.errors import AuditFailure, BadRows, Blocked, Conflict, NotPermitted, Unavailable, WorkflowError
from workflow.i18n import Lang, Text, tr
from workflow.tui.keys import MODAL_KEYS


def error_title(e: WorkflowError) -> Text:
    if isinstance(e, Unavailable):
        return Text("数据库不可用", "Database unavailable")
    if isinstance(e, AuditFailure):
        return Text("审计日志未通过校验", "The audit log failed verification")
    if isinstance(e, Blocked):
        return Text("无法执行：条件未满足", "Refused: a condition does not hold")
    if isinstance(e, NotPermitted):
        return Text("无权执行", "Not permitted")
    if isinstance(e, Conflict):
        return Text("数据已被他人修改", "Changed by someone else")
    return Text("输入有误", "Bad input")


def error_lines(e: WorkflowError, lang: Lang) -> list[str]:
    """The error's message and, for a file, every bad row."""
    lines = [e.text(lang)]
    if isinstance(e, BadRows):
        lines += [p(lang) for p in e.problems]
    if isinstance(e, Conflict):
        lines.append(
            tr("按 F5 或 ctrl+r 重新读取最新数据。", "Press F5 or ctrl+r to read the latest data.")(lang)
        )
    return lines


class MessageDialog(ModalScreen[None]):
    """A title and a message (for example the failing checks of a refused advance).

    | Key | Action |
    |---|---|
    | enter, escape, o | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", show=False, id="dialog.close"),
        Binding("o", "close", show=False, id="dialog.ok"),
        *MODAL_KEYS,
    ]

    def __init__(self, title: str, lines: list[str], lang: Lang, *, warning: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.lang: Lang = lang
        self.warning = warning

    @classmethod
    def for_error(cls, e: WorkflowError, lang: Lang) -> MessageDialog:
        return cls(error_title(e)(lang), error_lines(e, lang), lang)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -warning" if self.warning else "")):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static("\n".join(self.lines), id="message-text", markup=False)
            yield Label(tr("按 Enter 或 Esc 关闭", "Enter or Esc closes")(self.lang), classes="dialog-hint")
            yield Button(tr("知道了", "OK")(self.lang), id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class ProblemDialog(ModalScreen[str]):
    """An error that may persist (the database went away): shown once, with Retry and
    Quit; Escape closes it and leaves the screen as it was.

    | Key | Action |
    |---|---|
    | r | retry |
    | q | quit |
    | escape | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('retry')", show=False, id="problem.retry"),
        Binding("q", "choose('quit')", show=False, id="problem.quit"),
        Binding("escape", "choose('close')", show=False, id="problem.close"),
    ]

    def __init__(self, error: WorkflowError, lang: Lang) -> None:
        super().__init__()
        self.error = error
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -warning"):
            yield Label(error_title(self.error)(t), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static("\n".join(error_lines(self.error, t)), id="message-text", markup=False)
            yield Label(
                tr("r 重试 · q 退出 · Esc 关闭", "r retry · q quit · Esc close")(t), classes="dialog-hint"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("重试", "Retry")(t), id="retry", variant="primary")
                yield Button(tr("退出", "Quit")(t), id="quit", variant="error")

    def on_mount(self) -> None:
        self.query_one("#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
