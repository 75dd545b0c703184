"""The confirmation before a township (or several) is stepped forward."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from workflow.i18n import Lang, tr
from workflow.tui.keys import MODAL_KEYS
from workflow.tui.widgets.validators import DateValidator


class DateInput(Input):
    """A date box: digits and '-' only, so that y and n still answer the dialog while
    the box has the focus."""

    def __init__(self, value: str, **kwargs: Any) -> None:
        super().__init__(value, restrict=r"[0-9-]*", **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        answer = {"y": "screen.confirm", "n": "screen.cancel"}.get(event.character or "")
        if answer is not None:  # never part of a date: the dialog's y / n
            event.prevent_default()
            event.stop()
            await self.run_action(answer)


@dataclass(frozen=True, slots=True)
class AdvanceRequest:
    """What the user confirmed: the effective date and an optional note."""

    on: str
    note: str


class ConfirmStep(ModalScreen[AdvanceRequest | None]):
    """A title, what is about to happen, the effective date (default today) and a note.

    | Key | Action |
    |---|---|
    | y, enter, ctrl+s | confirm |
    | n, escape | cancel |

    The focus starts on the date, with the cursor at its end.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", show=False, id="confirm.yes"),
        Binding("ctrl+s", "confirm", show=False, id="confirm.submit"),
        Binding("n", "cancel", show=False, id="confirm.no"),
        Binding("escape", "cancel", show=False, id="confirm.cancel"),
        *MODAL_KEYS,
    ]

    def __init__(self, title: str, summary: str, today: dt.date, lang: Lang) -> None:
        super().__init__()
        self.title_text = title
        self.summary = summary
        self.today = today
        self.lang: Lang = lang

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.summary, id="summary", markup=False)
            yield Label(
                tr("生效日期（YYYY-MM-DD，默认今天）", "Effective date (YYYY-MM-DD, default today)")(t)
            )
            yield DateInput(
                self.today.isoformat(),
                id="on",
                validators=[DateValidator(self.today, t)],
                valid_empty=False,
            )
            yield Static("", id="on-error", classes="field-error")
            yield Label(tr("备注（可选）", "Note (optional)")(t))
            yield Input("", id="note")
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("推进 (y)", "Advance (y)")(t), id="yes", variant="primary")
                yield Button(tr("取消 (n)", "Cancel (n)")(t), id="no")

    def on_mount(self) -> None:
        # The date first: a person who types a date means it (ctrl+u clears the box).
        self.query_one("#on", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "on":
            r = event.validation_result
            self.query_one("#on-error", Static).update(
                "" if r is None or r.is_valid else r.failure_descriptions[0]
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "yes":
            self.action_confirm()
        else:
            self.action_cancel()

    def action_confirm(self) -> None:
        on = self.query_one("#on", Input)
        result = on.validate(on.value)
        if result is not None and not result.is_valid:
            self.query_one("#on-error", Static).update(result.failure_descriptions[0])
            on.focus()
            return
        self.dismiss(AdvanceRequest(on.value.strip(), self.query_one("#note", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmAdvance(ConfirmStep):
    """Advance one township: from which stage to which.

    | Key | Action |
    |---|---|
    | y, enter, ctrl+s | advance |
    | n, escape | cancel |
    """

    def __init__(self, township: str, source: str, dest: str, today: dt.date, lang: Lang) -> None:
        super().__init__(
            tr("确认推进", "Confirm advance")(lang),
            tr("「{n}」：{a} -> {b}", "'{n}': {a} -> {b}", n=township, a=source, b=dest)(lang),
            today,
            lang,
        )
        self.township = township
        self.source = source
        self.dest = dest
