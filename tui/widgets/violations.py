"""A township's violation reports: list them, open one, resolve one."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Static

from workflow.app.views import Violation
from workflow.errors import WorkflowError
from workflow.i18n import Lang, tr
from workflow.tui.widgets.service_form import ServiceForm
from workflow.tui.widgets.validators import Required

Loader = Callable[[], list[Violation]]
OpenFn = Callable[[str], object]
ResolveFn = Callable[[int, str], object]


class ViolationsDialog(ServiceForm):
    """Open reports block every forward step until a reviewer resolves them.

    | Key | Action |
    |---|---|
    | escape | close |
    """

    class Loaded(Message):
        def __init__(self, rows: list[Violation]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(
        self,
        township: str,
        lang: Lang,
        load: Loader,
        open_fn: OpenFn | None,
        resolve_fn: ResolveFn | None,
    ) -> None:
        super().__init__(lang)
        self.township = township
        self.load = load
        self.open_fn = open_fn
        self.resolve_fn = resolve_fn
        self.changed = False

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -wide"):
            yield Label(
                tr("「{n}」的违纪举报", "Violation reports of '{n}'", n=self.township)(t),
                classes="dialog-title",
            )
            yield DataTable(id="violations", cursor_type="row", zebra_stripes=True)
            if self.open_fn or self.resolve_fn:
                yield Label(tr("说明（必填）", "Note (required)")(t))
                yield Input("", id="note", validators=[Required(t)], validate_on=["submitted"])
            else:
                yield Label(
                    tr("只读：你不能登记或处理举报", "Read only: you may not open or resolve reports")(t)
                )
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                if self.open_fn:
                    yield Button(tr("登记新举报", "Open a report")(t), id="open", variant="warning")
                if self.resolve_fn:
                    yield Button(
                        tr("处理所选举报", "Resolve the selected")(t), id="resolve", variant="primary"
                    )
                yield Button(tr("关闭 (esc)", "Close (esc)")(t), id="cancel")

    def on_mount(self) -> None:
        t = self.lang
        table = self.query_one(DataTable)
        for key, label in (
            ("id", tr("编号", "No.")),
            ("status", tr("状态", "Status")),
            ("opened", tr("登记", "Opened")),
            ("note", tr("内容", "Report")),
            ("resolved", tr("处理", "Resolution")),
        ):
            table.add_column(label(t), key=key)
        self.reload()

    @work(thread=True, exclusive=True, group="violations")
    def reload(self) -> None:
        try:
            rows = self.load()
        except WorkflowError as e:
            self.post_message(self.Failed(e))
            return
        self.post_message(self.Loaded(rows))

    def on_violations_dialog_loaded(self, message: Loaded) -> None:
        t = self.lang
        table = self.query_one(DataTable)
        table.clear()
        for v in message.rows:
            status = tr("未处理", "open") if v.status == "open" else tr("已处理", "resolved")
            resolved = f"{v.resolved_on} {v.resolved_by} {v.resolved_note}" if v.status != "open" else ""
            table.add_row(
                f"#{v.id}", status(t), f"{v.opened_on} {v.opened_by}", v.opened_note, resolved, key=str(v.id)
            )
        if not message.rows:
            self.show_errors([tr("没有违纪举报", "no violation reports")(t)])

    def on_service_form_done(self, message: ServiceForm.Done) -> None:
        message.stop()
        self.busy = False
        self.changed = True
        self.show_errors([tr("已保存", "saved")(self.lang)])
        self.query_one("#note", Input).value = ""
        self.reload()

    def _note(self) -> str | None:
        box = self.query_one("#note", Input)
        r = box.validate(box.value)
        if r is not None and not r.is_valid:
            self.show_errors([tr("说明：", "note: ")(self.lang) + r.failure_descriptions[0]])
            return None
        return box.value.strip()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "open" and self.open_fn:
            note = self._note()
            if note is not None:
                fn, text = self.open_fn, note
                self.call(lambda: fn(text))
        elif event.button.id == "resolve" and self.resolve_fn:
            table = self.query_one(DataTable)
            if table.row_count == 0:
                return
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            note = self._note()
            if note is not None and row_key.value is not None:
                vid, resolve = int(row_key.value), self.resolve_fn
                self.call(lambda: resolve(vid, note))
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        return

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(self.changed)
