"""A reviewer's step that needs a reason: return/revert to a stage, or waive a check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workflow.i18n import Lang, tr
from workflow.tui.widgets.service_form import ServiceForm
from workflow.tui.widgets.validators import DateValidator, Required

Submit = Callable[[str, str, str], object]


class ReasonForm(ServiceForm):
    """Pick one option, give a reason (required) and an effective date.

    | Key | Action |
    |---|---|
    | ctrl+s | submit |
    | escape | cancel |
    """

    def __init__(
        self,
        title: str,
        choose: str,
        options: list[tuple[str, str]],
        today: dt.date,
        lang: Lang,
        submit: Submit,
    ) -> None:
        super().__init__(lang)
        self.title_text = title
        self.choose = choose
        self.options = options
        self.today = today
        self.submit = submit

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -wide"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(self.choose)
            yield Select(self.options, value=self.options[0][1], allow_blank=False, id="choice")
            yield Label(tr("理由（必填）", "Reason (required)")(t))
            yield Input("", id="reason", validators=[Required(t)], validate_on=["changed", "submitted"])
            yield Label(tr("生效日期（YYYY-MM-DD）", "Effective date (YYYY-MM-DD)")(t))
            yield Input(self.today.isoformat(), id="on", validators=[DateValidator(self.today, t)])
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("提交 (ctrl+s)", "Submit (ctrl+s)")(t), id="submit", variant="primary")
                yield Button(tr("取消 (esc)", "Cancel (esc)")(t), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def problems(self) -> list[str]:
        """What is wrong with the form now."""
        out = []
        for name, what in (("reason", tr("理由", "reason")), ("on", tr("生效日期", "effective date"))):
            box = self.query_one(f"#{name}", Input)
            r = box.validate(box.value)
            if r is not None and not r.is_valid:
                out.append(
                    tr("{w}：{m}", "{w}: {m}", w=what(self.lang), m=r.failure_descriptions[0])(self.lang)
                )
        return out

    def on_input_changed(self, event: Input.Changed) -> None:
        """Once submitted, the list of errors follows the typing: a fixed one goes."""
        if self.tried and not self.busy:
            self.show_errors(self.problems())

    def action_submit(self) -> None:
        self.tried = True
        problems = self.problems()
        if problems:
            self.show_errors(problems)
            return
        choice = self.query_one("#choice", Select).value
        assert isinstance(choice, str)
        reason = self.query_one("#reason", Input).value.strip()
        on = self.query_one("#on", Input).value.strip()
        self.call(lambda: self.submit(choice, reason, on))
