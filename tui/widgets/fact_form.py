"""Record a fact: a form generated from the definition's fields, validated as you type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from workflow.domain.definition import Definition
from workflow.domain.fields import FieldSpec
from workflow.i18n import Lang, tr
from workflow.tui.labels import CHOICE_LABELS
from workflow.tui.widgets.service_form import ServiceForm
from workflow.tui.widgets.validators import DateValidator, FieldValidator

Submit = Callable[[str, dict[str, str], str], object]


def shown_value(spec: FieldSpec, value: Any) -> str:
    """A recorded value as the user would type it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class FactForm(ServiceForm):
    """One input per field of the chosen fact; a choice field is a list to pick from.

    | Key | Action |
    |---|---|
    | ctrl+s | save |
    | escape | cancel |
    """

    def __init__(
        self,
        township: str,
        definition: Definition,
        facts: list[str],
        recorded: Mapping[str, Mapping[str, Any]],
        today: dt.date,
        lang: Lang,
        submit: Submit,
        first: str | None = None,
    ) -> None:
        super().__init__(lang)
        self.township = township
        self.definition = definition
        self.facts = facts
        self.recorded = recorded
        self.today = today
        self.submit = submit
        self.fact = first if first in facts else next((f for f in facts if f not in recorded), facts[0])

    def compose(self) -> ComposeResult:
        t = self.lang
        d = self.definition
        with Vertical(classes="dialog -wide"):
            yield Label(
                tr("记录「{n}」的事实", "Record a fact of '{n}'", n=self.township)(t), classes="dialog-title"
            )
            yield Select(
                [(f"{d.facts[f].label()(t)} ({f})", f) for f in self.facts],
                value=self.fact,
                allow_blank=False,
                id="fact",
            )
            with VerticalScroll(id="fields", classes="form-fields", can_focus=False):
                yield from self._field_widgets()
            yield Label(tr("生效日期（YYYY-MM-DD）", "Effective date (YYYY-MM-DD)")(t))
            yield Input(self.today.isoformat(), id="on", validators=[DateValidator(self.today, t)])
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("保存 (ctrl+s)", "Save (ctrl+s)")(t), id="submit", variant="primary")
                yield Button(tr("取消 (esc)", "Cancel (esc)")(t), id="cancel")

    def _field_widgets(self) -> list[Any]:
        t = self.lang
        spec = self.definition.facts[self.fact]
        old = self.recorded.get(self.fact, {})
        out: list[Any] = []
        for f in spec.fields:
            need = tr("（必填）", " (required)")(t) if f.required else tr("（可选）", " (optional)")(t)
            out.append(Label(f"{f.label()(t)} [{f.name}]{need}", markup=False))
            value = shown_value(f, old.get(f.name))
            if f.type == "choice":
                options = [(CHOICE_LABELS[c](t) if c in CHOICE_LABELS else c, c) for c in f.choices]
                out.append(
                    Select(
                        options,
                        value=value if value in f.choices else Select.BLANK,
                        id=f"field-{f.name}",
                        prompt=tr("请选择", "choose")(t),
                    )
                )
            else:
                placeholder = "YYYY-MM-DD" if f.type == "date" else f.expected()(t)
                out.append(
                    Input(
                        value,
                        placeholder=placeholder,
                        id=f"field-{f.name}",
                        validators=[FieldValidator(f, self.today, t)],
                        validate_on=["changed", "submitted"],
                    )
                )
            out.append(Static("", id=f"error-{f.name}", classes="field-error", markup=False))
        return out

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "fact" or event.value == self.fact or not isinstance(event.value, str):
            return
        event.stop()
        self.fact = event.value
        box = self.query_one("#fields", VerticalScroll)
        await box.remove_children()
        await box.mount_all(self._field_widgets())

    def on_input_changed(self, event: Input.Changed) -> None:
        r = event.validation_result
        name = event.input.id or ""
        if name.startswith("field-"):
            # As you type: the field's own line says what is wrong, in words.
            self.query_one(f"#error-{name.removeprefix('field-')}", Static).update(
                "" if r is None or r.is_valid else r.failure_descriptions[0]
            )
        if self.tried and not self.busy:
            _values, problems = self.values()
            self.show_errors([tr("请先改正：", "Please correct:")(self.lang), *problems] if problems else [])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def values(self) -> tuple[dict[str, str], list[str]]:
        """The typed values, and what is wrong with them."""
        t = self.lang
        values: dict[str, str] = {}
        problems: list[str] = []
        for f in self.definition.facts[self.fact].fields:
            if f.type == "choice":
                chosen = self.query_one(f"#field-{f.name}", Select).value
                values[f.name] = chosen if isinstance(chosen, str) else ""
                if f.required and not values[f.name]:
                    problems.append(tr("{f}：请选择", "{f}: choose a value", f=f.label()(t))(t))
                continue
            box = self.query_one(f"#field-{f.name}", Input)
            values[f.name] = box.value
            result = box.validate(box.value)
            if result is not None and not result.is_valid:
                problems.append(
                    tr("{f}：{m}", "{f}: {m}", f=f.label()(t), m=result.failure_descriptions[0])(t)
                )
                self.query_one(f"#error-{f.name}", Static).update(result.failure_descriptions[0])
        on = self.query_one("#on", Input)
        check = on.validate(on.value)
        if check is not None and not check.is_valid:
            problems.append(tr("生效日期：", "effective date: ")(t) + check.failure_descriptions[0])
        return values, problems

    def action_submit(self) -> None:
        self.tried = True
        values, problems = self.values()
        if problems:
            self.show_errors([tr("请先改正：", "Please correct:")(self.lang), *problems])
            return
        fact, on = self.fact, self.query_one("#on", Input).value.strip()
        self.call(lambda: self.submit(fact, values, on))
