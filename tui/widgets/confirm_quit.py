"""The question ctrl+c asks before the app closes, in the user's language."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from workflow.i18n import Lang, tr


class ConfirmQuit(ModalScreen[bool]):
    """Quit the app?

    | Key | Action |
    |---|---|
    | y, enter, ctrl+c | quit |
    | n, escape | stay |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", show=False, id="quit.yes"),
        Binding("n", "answer(False)", show=False, id="quit.no"),
        Binding("escape", "answer(False)", show=False, id="quit.cancel"),
    ]

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog"):
            yield Label(tr("退出程序？", "Quit the program?")(t), classes="dialog-title", markup=False)
            yield Label(
                tr("未保存的表单内容会丢失。", "Anything typed in an unsaved form is lost.")(t), markup=False
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("退出 (y)", "Quit (y)")(t), id="yes", variant="error")
                yield Button(tr("留下 (n)", "Stay (n)")(t), id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
