"""The base of every dialog that changes something: it calls the service in a worker
and shows the service's refusal inside the dialog, which stays open to be corrected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from workflow.errors import Conflict, WorkflowError
from workflow.i18n import Lang, tr
from workflow.tui.context import wf
from workflow.tui.keys import MODAL_KEYS
from workflow.tui.widgets.message import error_lines, error_title


class ServiceForm(ModalScreen[Any]):
    """A form whose submit runs ``call`` off the UI thread.

    | Key | Action |
    |---|---|
    | ctrl+s | submit |
    | escape | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", show=False, id="form.submit"),
        Binding("escape", "cancel", show=False, id="form.cancel"),
        *MODAL_KEYS,
    ]

    class Done(Message):
        """The service accepted the change."""

        def __init__(self, result: object) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        """The service refused; nothing was changed."""

        def __init__(self, error: WorkflowError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang: Lang = lang
        self.busy = False
        self.tried = False
        """Submit was pressed once: from then on the errors follow the typing."""
        self.conflict = False
        """The service refused because someone else changed the township: F5 closes
        the form and reads the township again."""

    def show_errors(self, lines: list[str]) -> None:
        self.query_one("#errors", Static).update("\n".join(lines))

    def call(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` (a service call) in a worker unless one is running."""
        if self.busy:
            return
        self.busy = True
        self.show_errors([tr("正在提交", "submitting")(self.lang)])
        self._run(fn)

    @work(thread=True, exclusive=True, group="submit")
    def _run(self, fn: Callable[[], object]) -> None:
        try:
            wf(self).check_session()
            result = fn()
        except WorkflowError as e:
            self.post_message(self.Failed(e))
            return
        self.post_message(self.Done(result))

    def on_service_form_done(self, message: Done) -> None:
        self.busy = False
        self.dismiss(message.result)

    def on_service_form_failed(self, message: Failed) -> None:
        self.busy = False
        e = message.error
        self.conflict = isinstance(e, Conflict)
        lines = [error_title(e)(self.lang) + tr("：", ":")(self.lang), *error_lines(e, self.lang)]
        self.show_errors(lines)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
