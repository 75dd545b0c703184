"""A township's rosters row by row: add, change or remove one row (each an audited
change through the service), or export a roster as a CSV that imports back unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from workflow.app.roster_edit import cell_text, export_csv
from workflow.domain.rosters import ROSTER_KINDS
from workflow.errors import WorkflowError
from workflow.i18n import Lang, tr
from workflow.tui.markup import plain
from workflow.tui.widgets.confirm import ConfirmOverwrite
from workflow.tui.widgets.export_form import documents_dir
from workflow.tui.widgets.service_form import ServiceForm

Load = Callable[[str], tuple[list[dict[str, Any]], int]]
"""A roster kind's rows and the township's version they were read at."""
Change = Callable[[str, list[dict[str, Any]], int | None, dict[str, str] | None, int], object]
"""Change one row of the rows read at the given version (a conflict if it moved on)."""


class RosterForm(ServiceForm):
    """The rows of one roster kind; the inputs below hold the selected row.

    | Key | Action |
    |---|---|
    | ctrl+s | save the selected row as typed |
    | escape | close |
    """

    class Loaded(Message):
        def __init__(self, kind: str, rows: list[dict[str, Any]], version: int) -> None:
            super().__init__()
            self.kind = kind
            self.rows = rows
            self.version = version

    def __init__(
        self,
        township: str,
        kinds: list[str],
        lang: Lang,
        load: Load,
        change: Change | None,
        folder: Path | None = None,
    ) -> None:
        super().__init__(lang)
        self.township = township
        self.kinds = kinds
        self.kind = kinds[0]
        self.load = load
        self.change = change
        self.rows: list[dict[str, Any]] = []
        self.version = 0
        self.folder = folder if folder is not None else documents_dir()
        self.changed = False

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -wide"):
            yield Label(
                tr("「{n}」的名册", "Rosters of '{n}'", n=self.township)(t),
                classes="dialog-title",
                markup=False,
            )
            yield Select(
                [(f"{ROSTER_KINDS[k].label()(t)} ({k})", k) for k in self.kinds],
                value=self.kind,
                allow_blank=False,
                id="kind",
            )
            yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)
            if self.change is not None:
                with VerticalScroll(id="row-fields", classes="form-fields", can_focus=False):
                    yield from self._inputs()
            else:
                yield Label(tr("只读：可以导出", "Read only: you may export")(t))
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                if self.change is not None:
                    yield Button(
                        tr("保存所选行 (ctrl+s)", "Save row (ctrl+s)")(t), id="submit", variant="primary"
                    )
                    yield Button(tr("新增一行", "Add as new row")(t), id="add")
                    yield Button(tr("删除所选行", "Remove row")(t), id="remove", variant="error")
                yield Button(tr("导出 CSV", "Export CSV")(t), id="export")
                yield Button(tr("关闭 (esc)", "Close (esc)")(t), id="cancel")

    def _inputs(self) -> list[Any]:
        out: list[Any] = []
        for c in ROSTER_KINDS[self.kind].columns:
            out.append(Label(f"{c.label()(self.lang)} [{c.name}]", markup=False))
            out.append(Input("", id=f"col-{c.name}", placeholder=c.expected()(self.lang)))
        return out

    def on_mount(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, group="roster")
    def reload(self) -> None:
        kind = self.kind
        try:
            rows, version = self.load(kind)
        except WorkflowError as e:
            self.post_message(self.Failed(e))
            return
        self.post_message(self.Loaded(kind, rows, version))

    def on_roster_form_loaded(self, message: Loaded) -> None:
        if message.kind != self.kind:
            return
        self.rows, self.version = message.rows, message.version
        kind = ROSTER_KINDS[self.kind]
        table = self.query_one("#rows", DataTable)
        table.clear(columns=True)
        for c in kind.columns:
            table.add_column(c.label()(self.lang), key=c.name)
        for i, r in enumerate(self.rows):
            table.add_row(*(plain(cell_text(c, r.get(c.name))) for c in kind.columns), key=str(i))
        self.show_row()

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "kind" or not isinstance(event.value, str) or event.value == self.kind:
            return
        event.stop()
        self.kind = event.value
        if self.change is not None:
            box = self.query_one("#row-fields", VerticalScroll)
            await box.remove_children()
            await box.mount_all(self._inputs())
        self.reload()

    @on(DataTable.RowHighlighted, "#rows")
    def highlighted(self) -> None:
        self.show_row()

    def selected(self) -> int | None:
        table = self.query_one("#rows", DataTable)
        return table.cursor_row if table.row_count else None

    def show_row(self) -> None:
        """The selected row's values in the inputs, as the import would read them."""
        i = self.selected()
        if self.change is None or i is None or i >= len(self.rows):
            return
        for c in ROSTER_KINDS[self.kind].columns:
            self.query_one(f"#col-{c.name}", Input).value = cell_text(c, self.rows[i].get(c.name))

    def typed(self) -> dict[str, str]:
        return {
            c.name: self.query_one(f"#col-{c.name}", Input).value for c in ROSTER_KINDS[self.kind].columns
        }

    def submit_change(self, index: int | None, values: dict[str, str] | None) -> None:
        change, kind, rows, version = self.change, self.kind, list(self.rows), self.version
        if change is not None:
            self.call(lambda: change(kind, rows, index, values, version))

    def on_service_form_done(self, message: ServiceForm.Done) -> None:
        message.stop()
        message.prevent_default()  # the dialog stays open: ServiceForm would close it
        self.busy = False
        self.changed = True
        self.show_errors([tr("已保存", "saved")(self.lang)])
        self.reload()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        i = self.selected()
        if event.button.id == "submit":
            self.action_submit()
        elif event.button.id == "add":
            self.submit_change(None, self.typed())
        elif event.button.id == "remove" and i is not None:
            self.submit_change(i, None)
        elif event.button.id == "export":
            self.export()
        else:
            self.action_cancel()

    def action_submit(self) -> None:
        i = self.selected()
        if i is None:
            self.show_errors(
                [tr("没有可保存的行：用“新增一行”", "no row to save: use 'Add as new row'")(self.lang)]
            )
            return
        self.submit_change(i, self.typed())

    def export(self) -> None:
        target = self.folder / f"{self.township}-{self.kind}.csv"
        data = export_csv(ROSTER_KINDS[self.kind], self.rows)

        def write(yes: bool | None = True) -> None:
            if yes:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                self.show_errors(
                    [
                        tr("已导出{n}行到 {p}", "exported {n} rows to {p}", n=len(self.rows), p=str(target))(
                            self.lang
                        )
                    ]
                )

        if target.exists():
            self.app.push_screen(ConfirmOverwrite(str(target), self.lang), write)
        else:
            write()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(self.changed)
