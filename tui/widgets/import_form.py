"""Import a roster file: its kind, its path, a preview, and the importer's errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from workflow.domain.rosters import ROSTER_KINDS
from workflow.i18n import Lang, tr
from workflow.tui.widgets.service_form import ServiceForm

Submit = Callable[[str, Path, bool], object]
PREVIEW_LINES = 6


def preview(path: Path, lang: Lang) -> str:
    """The first lines of a CSV, or a note for an XLSX; why not, when unreadable."""
    if not path.is_file():
        return tr("（文件不存在）", "(no such file)")(lang)
    if path.suffix.lower() == ".xlsx":
        return tr("XLSX 文件，{n} 字节", "XLSX file, {n} bytes", n=path.stat().st_size)(lang)
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as e:
        return str(e)
    text = head.decode("utf-8-sig", errors="replace")
    return "\n".join(text.splitlines()[:PREVIEW_LINES])


class ImportForm(ServiceForm):
    """All or nothing: on failure every bad row is listed here and nothing changes.

    | Key | Action |
    |---|---|
    | ctrl+s | import |
    | escape | cancel |
    """

    class Previewed(Message):
        def __init__(self, path: str, text: str) -> None:
            super().__init__()
            self.path = path
            self.text = text

    def __init__(
        self, township: str, kinds: list[str], counts: Mapping[str, int], lang: Lang, submit: Submit
    ) -> None:
        super().__init__(lang)
        self.township = township
        self.kinds = kinds
        self.counts = counts
        self.submit = submit

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -wide"):
            yield Label(
                tr("为「{n}」导入名册", "Import a roster for '{n}'", n=self.township)(t),
                classes="dialog-title",
            )
            yield Select(
                [(f"{ROSTER_KINDS[k].label()(t)} ({k})", k) for k in self.kinds],
                value=self.kinds[0],
                allow_blank=False,
                id="kind",
            )
            yield Label(tr("文件路径（CSV 或 XLSX）", "File path (CSV or XLSX)")(t))
            yield Input("", id="path", placeholder="/path/to/file.csv")
            yield Checkbox(self._replace_label(self.kinds[0]), id="replace")
            yield Label(tr("预览", "Preview")(t))
            yield Static("", id="preview", classes="preview", markup=False)
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("导入 (ctrl+s)", "Import (ctrl+s)")(t), id="submit", variant="primary")
                yield Button(tr("取消 (esc)", "Cancel (esc)")(t), id="cancel")

    def _replace_label(self, kind: str) -> str:
        return tr("替换已有的{n}行", "replace the {n} rows already imported", n=self.counts.get(kind, 0))(
            self.lang
        )

    def on_select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#replace", Checkbox).label = self._replace_label(event.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "path":
            self.load_preview(event.value)

    @work(thread=True, exclusive=True, group="preview")
    def load_preview(self, raw: str) -> None:
        text = preview(Path(raw.strip()).expanduser(), self.lang) if raw.strip() else ""
        self.post_message(self.Previewed(raw, text))

    def on_import_form_previewed(self, message: Previewed) -> None:
        if message.path == self.query_one("#path", Input).value:
            self.query_one("#preview", Static).update(message.text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.show_errors([tr("请填写文件路径", "enter a file path")(self.lang)])
            return
        kind = self.query_one("#kind", Select).value
        assert isinstance(kind, str)
        replace = self.query_one("#replace", Checkbox).value
        path = Path(raw).expanduser()
        self.call(lambda: self.submit(kind, path, replace))
