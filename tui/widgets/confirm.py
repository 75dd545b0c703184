"""A yes/no question in the user's language: quit the program, overwrite a file."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from workflow.i18n import Lang, tr


class Confirm(ModalScreen[bool]):
    """A title, a line saying what follows, and yes / no.

    | Key | Action |
    |---|---|
    | y, enter | yes |
    | n, escape | no |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", show=False, id="confirm_dialog.yes"),
        Binding("n", "answer(False)", show=False, id="confirm_dialog.no"),
        Binding("escape", "answer(False)", show=False, id="confirm_dialog.cancel"),
    ]

    def __init__(self, title: str, body: str, yes: str, no: str, lang: Lang) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes = yes
        self.no = no
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -warning"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(self.body, id="confirm-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ConfirmQuit(Confirm):
    """ctrl+c: quit the program?"""

    def __init__(self, lang: Lang) -> None:
        super().__init__(
            tr("退出程序？", "Quit the program?")(lang),
            tr("未保存的表单内容会丢失。", "Anything typed in an unsaved form is lost.")(lang),
            tr("退出", "Quit")(lang),
            tr("留下", "Stay")(lang),
            lang,
        )

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()


class ConfirmOverwrite(Confirm):
    """An export's file exists already: replace it?"""

    def __init__(self, path: str, lang: Lang) -> None:
        super().__init__(
            tr("文件已存在", "The file exists")(lang),
            tr("{p} 已存在。覆盖它吗？", "{p} exists already. Overwrite it?", p=path)(lang),
            tr("覆盖", "Overwrite")(lang),
            tr("不覆盖", "Keep it")(lang),
            lang,
        )
